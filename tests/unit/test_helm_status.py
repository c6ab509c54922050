"""Helm release status for check: one metadata-only LIST per namespace; Secret data is never requested or kept."""

from __future__ import annotations

import httpx
import pytest

from planner.cluster import ClusterReader, ReadError
from planner.helm_status import METADATA_ACCEPT, newest, strip
from planner.kinds import HELM_RELEASE_SECRETS

CANARY = "Q0FOQVJZLWhlbG0tZGF0YQ=="


def record(name: str, version: int, status: str, ns: str = "kserve") -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"name": f"sh.helm.release.v1.{name}.v{version}", "namespace": ns,
                         "labels": {"name": name, "owner": "helm", "status": status, "version": str(version),
                                    "extra": "dropped"},
                         "annotations": {"note": CANARY}, "managedFields": [{"fieldsV1": {"f:data": {}}}]}}


def reader(handler) -> tuple[ClusterReader, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def rec(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return ClusterReader(transport=httpx.MockTransport(rec)), seen


def test_the_request_asks_for_metadata_only_by_label_in_one_namespace() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                         "items": [record("kserve", 1, "superseded"), record("kserve", 2, "failed")]})

    r, seen = reader(handler)
    items = r.list_metadata(HELM_RELEASE_SECRETS, "kserve", "owner=helm")
    r.list_metadata(HELM_RELEASE_SECRETS, "kserve", "owner=helm")  # memoised
    (req,) = seen
    assert req.headers["accept"] == METADATA_ACCEPT
    assert req.url.path == "/api/v1/namespaces/kserve/secrets"
    assert dict(req.url.params) == {"labelSelector": "owner=helm"}  # no fieldSelector on data, no watch
    assert CANARY not in str(items) and "managedFields" not in str(items) and "extra" not in str(items)
    assert items[1] == {"metadata": {"name": "sh.helm.release.v1.kserve.v2", "namespace": "kserve",
                                     "labels": {"name": "kserve", "owner": "helm", "status": "failed",
                                                "version": "2"}}}
    st = newest(items)[("kserve", "kserve")]
    assert (st.status, st.version, st.broken) == ("failed", 2, True)


def test_a_server_answering_with_full_secrets_is_dropped_unread() -> None:
    full = {"kind": "SecretList", "apiVersion": "v1",
            "items": [{**record("kserve", 1, "deployed"), "kind": "Secret", "data": {"release": CANARY}}]}
    r, _ = reader(lambda request: httpx.Response(200, json=full))
    with pytest.raises(ReadError) as e:
        r.list_metadata(HELM_RELEASE_SECRETS, "kserve", "owner=helm")
    assert "metadata only" in e.value.reason and CANARY not in str(e.value)
    assert CANARY not in repr(r._memo)  # nothing of the answer is kept


def test_forbidden_is_a_read_error_naming_rbac() -> None:
    r, _ = reader(lambda request: httpx.Response(403, json={"message": "forbidden"}))
    with pytest.raises(ReadError) as e:
        r.list_metadata(HELM_RELEASE_SECRETS, "kserve", "owner=helm")
    assert e.value.status == 403 and "stackplan rbac" in e.value.reason


def test_strip_keeps_only_name_namespace_and_helms_labels() -> None:
    item = {**record("a", 3, "deployed"), "data": {"release": CANARY}, "stringData": {"x": CANARY}}
    assert strip(item) == {"metadata": {"name": "sh.helm.release.v1.a.v3", "namespace": "kserve",
                                        "labels": {"name": "a", "owner": "helm", "status": "deployed",
                                                   "version": "3"}}}


def test_newest_ignores_records_not_owned_by_helm_or_without_a_number() -> None:
    bad = record("a", 1, "deployed")
    bad["metadata"]["labels"]["owner"] = "someone"
    odd = record("b", 1, "deployed")
    odd["metadata"]["labels"]["version"] = "x"
    assert newest([strip(bad), strip(odd)]) == {}


def test_the_general_list_still_refuses_secrets() -> None:
    r, seen = reader(lambda request: httpx.Response(200, json={"items": []}))
    with pytest.raises(ValueError):
        r.list(HELM_RELEASE_SECRETS, "kserve", label_selector="owner=helm")
    assert seen == []
