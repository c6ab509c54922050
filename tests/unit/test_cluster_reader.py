"""ClusterReader over a fake HTTP transport: paging, memoising, typed errors, no Secrets."""

from __future__ import annotations

import json

import httpx
import pytest

from planner.cluster import ClusterReader, ReadError
from planner.errors import ClusterUnreachableError
from planner.kinds import CLUSTER_POLICIES, HELM_RELEASE_SECRETS, NODES, PODS


def pods(n: int, start: int = 0) -> list[dict]:
    return [{"metadata": {"name": f"p{i}", "namespace": "ns"}} for i in range(start, start + n)]


def reader(handler) -> tuple[ClusterReader, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return ClusterReader(transport=httpx.MockTransport(record), page_size=2), seen


def test_pages_with_limit_and_continue_and_memoises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("continue")
        assert request.url.params["limit"] == "2"
        if token is None:
            return httpx.Response(200, json={"items": pods(2), "metadata": {"continue": "t1"}})
        assert token == "t1"
        return httpx.Response(200, json={"items": pods(1, 2), "metadata": {}})

    r, seen = reader(handler)
    first = r.list(PODS)
    assert [p["metadata"]["name"] for p in first] == ["p0", "p1", "p2"]
    assert first[0]["kind"] == "Pod" and first[0]["apiVersion"] == "v1"
    assert r.list(PODS) is first
    assert (r.requests, r.lists) == (2, 1)
    assert all(req.url.path == "/api/v1/pods" for req in seen)


def test_namespace_and_selectors_are_separate_scopes() -> None:
    r, seen = reader(lambda req: httpx.Response(200, json={"items": []}))
    r.list(PODS, "a")
    r.list(PODS, "a", label_selector="x=y")
    r.list(NODES, "ignored-for-cluster-scoped")
    assert [req.url.path for req in seen] == ["/api/v1/namespaces/a/pods", "/api/v1/namespaces/a/pods",
                                              "/api/v1/nodes"]
    assert seen[1].url.params["labelSelector"] == "x=y"


@pytest.mark.parametrize(("status", "words"), [(403, "forbidden"), (404, "not installed"), (500, "HTTP 500")])
def test_http_errors_become_read_errors_memoised(status: int, words: str) -> None:
    r, seen = reader(lambda req: httpx.Response(status, json={"message": "boom"}))
    for _ in range(2):
        with pytest.raises(ReadError) as info:
            r.list(CLUSTER_POLICIES)
        assert info.value.status == status and words in info.value.reason
    assert len(seen) == 1


def test_malformed_answer_is_a_read_error() -> None:
    r, _ = reader(lambda req: httpx.Response(200, content=b"<html>proxy</html>"))
    with pytest.raises(ReadError, match="malformed"):
        r.list(NODES)
    r2, _ = reader(lambda req: httpx.Response(200, json={"items": ["not-an-object"]}))
    with pytest.raises(ReadError, match="malformed"):
        r2.list(NODES)


def test_timeout_is_a_read_error_with_status_0() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    r, _ = reader(handler)
    with pytest.raises(ReadError) as info:
        r.list(PODS)
    assert info.value.status == 0 and "timed out" in info.value.reason


def test_unreachable_and_unauthenticated_raise_cluster_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    r, _ = reader(refuse)
    with pytest.raises(ClusterUnreachableError) as info:
        r.ping()
    assert info.value.exit_code == 3
    r2, _ = reader(lambda req: httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(ClusterUnreachableError, match="401"):
        r2.ping()


def test_ping_returns_version() -> None:
    r, _ = reader(lambda req: httpx.Response(200, json={"gitVersion": "v1.35.4"} if req.url.path == "/version"
                                             else {"versions": ["v1"]}))
    assert r.ping()["gitVersion"] == "v1.35.4"


def test_secrets_only_as_helm_release_records() -> None:
    r, seen = reader(lambda req: httpx.Response(200, content=json.dumps({"items": []}).encode()))
    with pytest.raises(ValueError, match="never reads Secrets"):
        r.list(HELM_RELEASE_SECRETS, "ns")
    assert r.list_helm_releases("kueue-system") == []
    assert seen[0].url.path == "/api/v1/namespaces/kueue-system/secrets"
    assert seen[0].url.params["fieldSelector"] == "type=helm.sh/release.v1"


def test_prefetch_lists_each_kind_once_and_reports_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "nvidia.com" in request.url.path:
            return httpx.Response(404, json={"message": "the server could not find the requested resource"})
        return httpx.Response(200, json={"items": []})

    r, seen = reader(handler)
    errors = r.prefetch([PODS, NODES, CLUSTER_POLICIES, PODS])
    assert errors[PODS] is None and errors[NODES] is None
    assert errors[CLUSTER_POLICIES] is not None and errors[CLUSTER_POLICIES].not_installed
    assert len(seen) == 3 and r.lists == 3


def test_connection_lost_after_ping_only_loses_that_kind() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if request.url.path in ("/version", "/api"):
            return httpx.Response(200, json={})
        raise httpx.ConnectError("connection reset", request=request)

    r, _ = reader(handler)
    with pytest.raises(ClusterUnreachableError):  # not pinged yet: the API is unreachable
        r.list(NODES)
    r2, _ = reader(handler)
    r2.ping()
    with pytest.raises(ReadError) as info:
        r2.list(PODS)
    assert info.value.status == 0 and "connection failed" in info.value.reason
