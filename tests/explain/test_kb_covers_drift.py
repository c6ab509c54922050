"""The knowledge base against the real drift comparison: every DR001-DR009 problem gets a drift entry."""

from __future__ import annotations

import pytest

from planner.drift.compare import compare
from planner.drift.pulumi_preview import findings_from_preview
from planner.explain.kb import default_knowledge_base
from planner.report import Finding
from tests.unit.drift_fixtures import plan, rec, release
from tests.unit.test_drift_compare import LIVE_CONFIG, P, _live

KB = default_knowledge_base()


def _custom_resources() -> list[Finding]:
    """DR009: a deleted Model, a changed one, and an unlistable kind."""
    from dataclasses import replace

    from planner.cluster import ReadError
    from planner.drift.reader import read_live
    from planner.engine import resources
    from planner.kinds import INFERENCE_SERVICES
    from planner.model import Model
    from tests.unit.test_drift_reader import FakeReader

    p = replace(plan(release("kubeai", "kubeai"), release("kserve", "kserve")),
                models=(Model("a", "hf://o/a"), Model("b", "hf://o/b")))
    models = [resources.manifest(p, o) for o in resources.objects(p) if o.kind == "Model"]
    models[0]["spec"]["minReplicas"] = 5
    reader = FakeReader({("Model", None): models[:1]},
                        {("InferenceService", None): ReadError(INFERENCE_SERVICES, 403, "forbidden")})
    return compare(p, read_live(reader, p))


def _cases() -> list[tuple[str, list[Finding]]]:
    wl_gone = {"Deployment": {}, "DaemonSet": {}, "StatefulSet": {}}
    return [
        ("missing release", compare(P, _live())),
        ("other namespace", compare(P, _live(rec("app", namespace="other")))),
        ("version", compare(P, _live(rec("app", version="1.1.0", config=LIVE_CONFIG)))),
        ("values", compare(P, _live(rec("app", config={"replicaCount": 3, "auth": {"password": "x"}})))),
        ("failed", compare(P, _live(rec("app", status="failed", config=LIVE_CONFIG)))),
        ("pending", compare(P, _live(rec("app", status="pending-upgrade", config=LIVE_CONFIG)))),
        ("crd", compare(P, _live(rec("app", config=LIVE_CONFIG), crds=()))),
        ("workloads", compare(P, _live(rec("app", config=LIVE_CONFIG), workloads=wl_gone))),
        ("unreadable", compare(P, _live(crds=(), workloads={}, unread={
            "secrets/ml": "forbidden", "crds": "forbidden", "Deployment": "timeout", "DaemonSet": "timeout"}))),
        ("undecodable", compare(P, _live(record_errors={
            ("ml", "app"): "Secret ml/sh.helm.release.v1.app.v2: release record is not JSON"}))),
        ("unmanaged", compare(plan(release("app")), _live(rec("app"), rec("stray")), strict=True)),
        ("pulumi", findings_from_preview(P, {"steps": [
            {"op": "update", "urn": "urn:pulumi:dev::p::kubernetes:helm.sh/v3:Release::app",
             "diffReasons": ["values"]}]})),
        ("pulumi error", findings_from_preview(P, {"diagnostics": [{"severity": "error", "message": "no stack"}]})),
        ("custom resources", _custom_resources()),
    ]


@pytest.mark.parametrize(("name", "findings"), _cases(), ids=[c[0] for c in _cases()])
def test_drift_problems_get_a_drift_entry(name: str, findings: list[Finding]) -> None:
    problems = [f for f in findings if f.is_problem]
    assert problems, name
    for f in problems:
        x = KB.explain(f)
        assert x.source.startswith("knowledge-base:drift."), (name, f.check_id, f.message, x.source)
        assert "None" not in " ".join((x.summary, *x.commands))
