"""The pure drift comparison: one LiveFacts per edge case, assert the findings that matter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.drift.compare import compare, drift_report
from planner.drift.live import LiveCrd, LiveFacts, LiveObject
from planner.model import Workload
from planner.report import Outcome, Severity
from tests.unit.drift_fixtures import plan, rec, release

WL = (Workload("Deployment", "web"), Workload("DaemonSet", "agent", namespace="node"),
      Workload("Deployment", "extra-ui", optional=True), Workload("Job", "hook-job"))
CRDS = ("widgets.example.com",)


def _crd(name: str, served=("v1",), storage="v1", labels=None) -> LiveCrd:
    return LiveCrd(kind="CustomResourceDefinition", name=name, labels=labels or {}, served=served, storage=storage)


DEFAULT_CRDS = (_crd("widgets.example.com"),)


def _live(*records, crds=DEFAULT_CRDS, workloads=None, **kw) -> LiveFacts:
    if workloads is None:
        workloads = {"Deployment": {("ml", "web"): LiveObject("Deployment", "web", "ml")},
                     "DaemonSet": {("node", "agent"): LiveObject("DaemonSet", "agent", "node")},
                     "StatefulSet": {}}
    return LiveFacts(releases={(r.namespace, r.name): r for r in records}, crds={c.name: c for c in crds},
                     workloads=workloads, **kw)


def _by(findings, check_id, component="app"):
    got = [f for f in findings if f.check_id == check_id and f.component == component]
    assert len(got) == 1, (check_id, findings)
    return got[0]


P = plan(release("app", crds=CRDS, workloads=WL, values={"replicaCount": 1, "auth": {"password": "pw"}}))
LIVE_CONFIG = {"replicaCount": 1, "auth": {"password": "pw"}}


def test_no_drift_when_everything_matches():
    report = drift_report(P, _live(rec("app", config=LIVE_CONFIG)))
    assert [f.check_id for f in report.findings] == ["DR001", "DR002", "DR003", "DR004", "DR005", "DR006"]
    assert all(f.outcome is Outcome.PASSED for f in report.findings)
    assert report.exit_code() == 0


@pytest.mark.parametrize("records", [(), (rec("app", status="uninstalled"),)])
def test_missing_release(records):
    findings = compare(P, _live(*records))
    f = _by(findings, "DR001")
    assert f.outcome is Outcome.FAILED and "not installed in namespace ml" in f.message
    assert [x.check_id for x in findings] == ["DR001"]  # nothing else is compared for a missing release


def test_release_in_another_namespace_is_named():
    findings = compare(P, _live(rec("app", namespace="other")))
    assert any("exists in namespace other" in e for e in _by(findings, "DR001").evidence)


def test_chart_version_and_name_differences():
    f = _by(compare(P, _live(rec("app", version="1.1.0", config=LIVE_CONFIG))), "DR002")
    assert f.outcome is Outcome.FAILED and f.message == "app 1.1.0 is installed; the plan has app 1.0.0"
    f = _by(compare(P, _live(rec("app", chart="fork", config=LIVE_CONFIG))), "DR002")
    assert f.outcome is Outcome.FAILED and "fork" in f.message
    assert _by(compare(plan(release("app", version="v1.0.0")), _live(rec("app"))), "DR002").outcome is Outcome.PASSED


def test_values_difference_lists_keys_and_masks_secrets():
    live = {"replicaCount": 3, "auth": {"password": "changed-pw"}}
    f = _by(compare(P, _live(rec("app", config=live))), "DR003")
    assert f.outcome is Outcome.FAILED and f.severity is Severity.MEDIUM
    assert "2 key(s): auth.password, replicaCount" in f.message
    assert "replicaCount: planned 1, live 3" in f.evidence
    text = " ".join(f.evidence) + f.message
    assert "changed-pw" not in text and "pw," not in text and "auth.password: planned ***, live ***" in text


@pytest.mark.parametrize("status, word", [("failed", "failed"), ("pending-upgrade", "stuck in pending-upgrade"),
                                          ("pending-install", "stuck in pending-install")])
def test_failed_or_pending_release(status, word):
    f = _by(compare(P, _live(rec("app", status=status, config=LIVE_CONFIG))), "DR004")
    assert f.outcome is Outcome.FAILED and word in f.message


def test_superseded_is_not_a_problem_state():
    assert _by(compare(P, _live(rec("app", status="superseded", config=LIVE_CONFIG))), "DR004").outcome \
        is Outcome.PASSED


def test_missing_crd():
    f = _by(compare(P, _live(rec("app", config=LIVE_CONFIG), crds=())), "DR005")
    assert f.outcome is Outcome.FAILED and "1 missing (widgets.example.com)" in f.message


def test_crd_at_another_version_when_the_blueprint_records_versions():
    r = replace(release("app", crds=CRDS), crd_versions={"widgets.example.com": {"storage": "v2", "served": ["v2"]}})
    f = _by(compare(plan(r), _live(rec("app"), crds=(_crd("widgets.example.com", ("v1",), "v1"),))), "DR005")
    assert f.outcome is Outcome.FAILED and "at another version" in f.message
    assert any("storage version v1, planned v2" in e for e in f.evidence)
    ok = _live(rec("app"), crds=(_crd("widgets.example.com", ("v1", "v2"), "v2"),))
    assert _by(compare(plan(r), ok), "DR005").outcome is Outcome.PASSED


def test_missing_workloads_but_not_optional_ones_or_jobs():
    live = _live(rec("app", config=LIVE_CONFIG), workloads={"Deployment": {}, "DaemonSet": {}, "StatefulSet": {}})
    f = _by(compare(P, live), "DR006")
    assert f.outcome is Outcome.FAILED and f.message == "2 of 2 workload(s) missing: Deployment/web, DaemonSet/agent"
    assert "DaemonSet/node/agent: not found" in f.evidence


def test_unreadable_sources_are_unknown_not_clean():
    live = _live(crds=(), workloads={}, unread={"secrets/ml": "forbidden", "crds": "forbidden",
                                                "Deployment": "timeout", "DaemonSet": "timeout"})
    findings = compare(P, live)
    assert {f.check_id: f.outcome for f in findings} == {
        "DR001": Outcome.UNKNOWN, "DR005": Outcome.UNKNOWN, "DR006": Outcome.UNKNOWN}
    assert "stackplan rbac --drift" in _by(findings, "DR001").remediation
    assert drift_report(P, live).exit_code() == 1


def test_undecodable_record_is_unknown():
    live = _live(record_errors={("ml", "app"): "Secret ml/sh.helm.release.v1.app.v2: release record is not JSON"})
    f = _by(compare(P, live), "DR001")
    assert f.outcome is Outcome.UNKNOWN and "not JSON" in f.message


def _labelled(kind, name, ns, rid, dig):
    return LiveObject(kind, name, ns, labels={"app.kubernetes.io/managed-by": "stackplan",
                                              "stackplan.dev/release": rid},
                      annotations={"stackplan.dev/values-digest": dig} if dig else {})


def test_kustomize_release_matched_by_labels_and_digest():
    k = release("pipes", namespace="kubeflow", kind="kustomize", values={},
                workloads=(Workload("Deployment", "ml-pipeline"),))
    good = {"Deployment": {("kubeflow", "ml-pipeline"): _labelled("Deployment", "ml-pipeline", "kubeflow", "pipes",
                                                                  k.values_digest)}}
    findings = compare(plan(k), _live(workloads=good, crds=()))
    assert all(f.outcome is Outcome.PASSED for f in findings) and len(findings) == 3
    stale = {"Deployment": {("kubeflow", "ml-pipeline"): _labelled("Deployment", "ml-pipeline", "kubeflow", "pipes",
                                                                   "sha256:old")}}
    f = _by(compare(plan(k), _live(workloads=stale, crds=())), "DR003", "pipes")
    assert f.outcome is Outcome.FAILED and "sha256:old" in f.evidence[0]
    f = _by(compare(plan(k), _live(workloads={"Deployment": {}}, crds=())), "DR001", "pipes")
    assert f.outcome is Outcome.FAILED and "stackplan.dev/release=pipes" in f.message
    other_stack = {"Deployment": {("team-b", "ml-pipeline"): _labelled("Deployment", "ml-pipeline", "team-b",
                                                                       "pipes", k.values_digest)}}
    f = _by(compare(plan(k), _live(workloads=other_stack, crds=())), "DR001", "pipes")
    assert f.outcome is Outcome.FAILED  # the same release id in another namespace is another stack's


def test_a_mirrored_kustomize_folder_is_a_kustomize_release_not_a_missing_helm_release():
    """mirror.kustomize turns a kustomize source into kind `local` without a chart (planner/mirror.py): drift
    matches it by labels like any kustomize release (found by `pulumi up` of training-team with a mirror)."""
    from dataclasses import replace

    from planner.model import Source

    k = release("pipes", namespace="kubeflow", kind="kustomize", values={},
                workloads=(Workload("Deployment", "ml-pipeline"),))
    k = replace(k, source=Source("local", "/srv/mirror/kustomize/pipes"))
    good = {"Deployment": {("kubeflow", "ml-pipeline"): _labelled("Deployment", "ml-pipeline", "kubeflow", "pipes",
                                                                  k.values_digest)}}
    findings = compare(plan(k), _live(workloads=good, crds=()))
    assert [(f.check_id, f.outcome, f.subject.kind) for f in findings if f.check_id == "DR001"] == [
        ("DR001", Outcome.PASSED, "Kustomization")]
    assert all(f.outcome is Outcome.PASSED for f in findings)


def test_unmanaged_components_are_notes_unless_strict():
    live = _live(rec("app", config=LIVE_CONFIG), rec("stray", chart="redis"), rec("old", status="uninstalled"),
                 rec("elsewhere", namespace="not-planned"),
                 crds=(_crd("widgets.example.com"), _crd("foo.example.com", labels={
                     "app.kubernetes.io/managed-by": "stackplan", "stackplan.dev/release": "gone-kustomize"})))
    notes = [f for f in compare(P, live) if f.check_id == "DR007"]
    assert [(f.subject.kind, f.subject.name) for f in notes] == [("HelmRelease", "stray"),
                                                                 ("Kustomization", "gone-kustomize")]
    assert all(f.outcome is Outcome.PASSED and f.severity is Severity.INFO for f in notes)
    assert drift_report(P, live).exit_code() == 0
    strict = drift_report(P, live, strict=True)
    assert [f.outcome for f in strict.findings if f.check_id == "DR007"] == [Outcome.FAILED] * 2
    assert strict.exit_code() == 1


def test_a_revision_the_pulumi_program_wrote_from_the_planned_values_is_not_values_drift():
    wired = {**LIVE_CONFIG, "artifactRoot": {"s3": {"enabled": True}}}
    r = rec("app", config=wired)
    marked = replace(r, description=f"stackplan release app, values {P.releases['app'].values_digest}")
    f = _by(compare(P, _live(marked)), "DR003")
    assert f.outcome is Outcome.PASSED and "wiring set 1 more key(s)" in f.message
    stale = replace(r, description="stackplan release app, values sha256:" + "0" * 64)
    assert _by(compare(P, _live(stale)), "DR003").outcome is Outcome.FAILED
    assert _by(compare(P, _live(r)), "DR003").outcome is Outcome.FAILED  # e.g. after a manual helm upgrade


def test_free_text_from_the_cluster_is_redacted():
    from planner.drift.compare import drift_report

    leak = "upgrade failed: password=CANARY-DRIFT-PW"
    failed = replace(rec("app", config=LIVE_CONFIG, status="failed"), description=leak)
    report = drift_report(P, _live(failed), errors=[f"[DR001] {leak}"])
    text = repr(report.to_dict())
    assert "CANARY-DRIFT-PW" not in text and "upgrade failed" in text
