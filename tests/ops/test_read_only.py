"""No ops tool can write to the cluster or read Secret data: every tool (check, drift and explain included) runs
against a ClusterReader whose HTTP transport records each request; all are GETs, and Secrets are asked for only as
Helm's release records by type (drift) or as metadata (check's HC090)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from planner import kinds
from planner.cluster import ClusterReader
from planner.ops.context import OpsContext
from planner.ops.tools import TOOLS, call
from tests.ops.scenario import CANARY, in_memory

KNOWN = {k.path(): k for k in vars(kinds).values() if isinstance(k, kinds.Kind)}


def _serve(objects: list[dict[str, Any]], seen: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path in ("/version", "/api"):
            return httpx.Response(200, json={"gitVersion": "v1.35.4"} if path == "/version" else {"versions": ["v1"]})
        kind = KNOWN.get(path)
        if kind is None:
            return httpx.Response(404, json={"kind": "Status", "message": "not found"})
        group = kind.api_version
        items = [o for o in objects if o.get("kind") == kind.kind and o.get("apiVersion") == group]
        if kind.kind == "Secret":  # what a real API server would answer to the type field selector
            wanted = request.url.params.get("fieldSelector", "")
            items = [o for o in items if f"type={o.get('type')}" == wanted]
        return httpx.Response(200, json={"kind": "List", "metadata": {}, "items": items})
    return handler


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    seen: list[httpx.Request] = []
    objects = in_memory()

    @contextmanager
    def reader(self: OpsContext) -> Iterator[ClusterReader]:
        with ClusterReader(transport=httpx.MockTransport(_serve(objects, seen))) as r:
            r.ping()
            yield r

    monkeypatch.setattr(OpsContext, "reader", reader)
    return seen


def test_every_tool_only_reads(requests: list[httpx.Request]) -> None:
    from planner.commands.options import load_plan

    ctx = OpsContext(profile="llm-inference", load_plan=load_plan)
    answers = {name: call(name, {}, ctx) for name in TOOLS}
    assert {r.method for r in requests} == {"GET"}
    secrets = [r for r in requests if r.url.path.endswith("/secrets")]
    assert secrets, "drift reads Helm's release records"
    for r in secrets:  # Helm's release records by type (drift), or metadata only (check's HC090), never data
        assert r.url.params.get("fieldSelector") == "type=helm.sh/release.v1" or \
            "as=PartialObjectMetadataList" in r.headers["accept"], (r.url, r.headers["accept"])
    assert CANARY not in repr(answers)
    assert answers["jobs"]["counts"]["Failed"] == 2 and answers["gpus"]["saturated"] == ["gpu-a"]
