"""Cause rules on hand-built findings: each rule links what it should, nothing else, and never reads wording."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.causes import RULES, link
from planner.report import Confidence, Finding, Outcome, Report, Subject


def f(check: str, kind: str, name: str, ns: str | None = None, *, component: str | None = None,
      outcome: Outcome = Outcome.FAILED, **facts: str) -> Finding:
    return Finding(check, "t", outcome, Subject(kind, name, ns), f"{check} {name} message", component=component,
                   facts=tuple(sorted(facts.items())))


GPU = "gpu-operator"


def gpu_driver_broken() -> list[Finding]:
    return [
        f("HC011", "Pod", "nvidia-operator-validator-a", GPU, component=GPU, node="gpu-1",
          container="driver-validation", reason="Init:CrashLoopBackOff"),
        f("HC005", "Pod", "nvidia-operator-validator-a", GPU, component=GPU, node="gpu-1",
          container="driver-validation"),
        f("HC005", "Pod", "nvidia-driver-daemonset-a", GPU, component=GPU, node="gpu-1", container="nvidia-driver-ctr"),
        f("HC012", "Node", "gpu-1", component=GPU, node="gpu-1"),
        f("HC010", "ClusterPolicy", "cluster-policy", component=GPU),
        f("HC013", "DaemonSet", "nvidia-driver-daemonset", GPU, component=GPU),
        f("HC002", "DaemonSet", "gpu-feature-discovery", GPU, component=GPU),
        f("HC002", "Deployment", "gpu-operator", GPU, component=GPU),  # the operator itself: not the driver's doing
        f("HC006", "Pod", "train-0", "team-a", gpu="true"),
        f("HC012", "Node", "gpu-2", component=GPU, node="gpu-2", outcome=Outcome.PASSED),
        f("HC006", "Pod", "web-0", "team-a"),  # not a GPU pod: not explained by the driver
    ]


def test_driver_failing_on_one_node_is_one_cause_explaining_the_rest():
    findings = gpu_driver_broken()
    causes = link(findings)
    assert len(causes) == 1
    c = causes[0]
    ids = Report("check", tuple(findings)).ids()
    assert c.rule == "RC004" and c.root == ids[2]  # the driver pod, deeper than the validator
    assert set(c.members) == {ids[0], ids[1], ids[3], ids[4], ids[5], ids[6], ids[8]}  # not the operator (7)
    assert "gpu-1" in c.title and c.confidence is Confidence.HIGH
    assert c.id == f"RC004:{ids[2]}"


def test_validator_is_the_root_when_no_driver_pod_fails():
    findings = [x for x in gpu_driver_broken() if x.fact("container") != "nvidia-driver-ctr"]
    (c,) = link(findings)
    assert c.root.startswith("HC011:") and "the NVIDIA driver" in c.title


def test_a_node_without_a_failing_validator_is_not_linked():
    findings = [f("HC012", "Node", "gpu-3", component=GPU, node="gpu-3"),
                f("HC010", "ClusterPolicy", "cluster-policy", component=GPU)]
    assert link(findings) == ()


def test_component_absent_explains_its_other_problems_only():
    findings = [f("HC009", "Release", "kueue", "kueue-system", component="kueue"),
                f("HC005", "Pod", "kueue-x", "kueue-system", component="kueue"),
                f("HC005", "Pod", "other", "ns", component="mlflow")]
    (c,) = link(findings)
    assert c.rule == "RC001" and c.members == ("HC005:Pod/kueue-system/kueue-x",)


def test_component_absent_explains_the_components_that_need_it():
    findings = [f("HC009", "Release", "cert-manager", "cert-manager", component="cert-manager", neededBy="kserve"),
                f("HC041", "Certificate", "serving-cert", "kserve", component="kserve"),
                f("HC005", "Pod", "kserve-controller-x", "kserve", component="kserve"),
                f("HC050", "Model", "m", "kubeai", component="kubeai")]
    (c,) = link(findings)
    assert c.rule == "RC001" and "needed by kserve" in c.title
    assert set(c.members) == {"HC041:Certificate/kserve/serving-cert", "HC005:Pod/kserve/kserve-controller-x"}


def test_failed_release_explains_its_component():
    findings = [f("HC090", "Release", "kserve", "kserve", component="kserve", status="failed", version="2"),
                f("HC003", "ValidatingWebhookConfiguration", "inferenceservice.serving.kserve.io", component="kserve",
                  guards="InferenceService", failurePolicy="Fail"),
                f("HC002", "Deployment", "kserve-controller-manager", "kserve", component="kserve"),
                f("HC040", "InferenceService", "llama", "ml-workloads", component="kserve", exists="false")]
    (c,) = link(findings)
    assert c.rule == "RC002" and len(c.members) == 3 and "failed (revision 2)" in c.title


def test_webhook_without_endpoints_explains_the_guarded_objects_missing():
    findings = [f("HC003", "ValidatingWebhookConfiguration", "kueue-vwc", component="kueue",
                  guards="ClusterQueue,LocalQueue", failurePolicy="Fail"),
                f("HC020", "ClusterQueue", "stackplan", component="kueue", exists="false"),
                f("HC021", "LocalQueue", "default", "ml", component="kueue", exists="false"),
                f("HC040", "InferenceService", "x", "ml", component="kserve", exists="false"),  # not guarded
                f("HC020", "ClusterQueue", "other", component="kueue")]  # exists, merely inactive
    (c,) = link(findings)
    assert c.rule == "RC003"
    assert c.members == ("HC020:ClusterQueue/stackplan", "HC021:LocalQueue/ml/default")


def test_webhook_with_failure_policy_ignore_links_nothing():
    findings = [f("HC003", "ValidatingWebhookConfiguration", "v", guards="ClusterQueue", failurePolicy="Ignore"),
                f("HC020", "ClusterQueue", "stackplan", exists="false")]
    assert link(findings) == ()


def test_inactive_clusterqueue_explains_its_queues_and_workloads():
    findings = [f("HC020", "ClusterQueue", "cq", component="kueue"),
                f("HC021", "LocalQueue", "lq", "team", component="kueue", clusterQueue="cq"),
                f("HC023", "Workload", "job-1", "team", component="kueue", localQueue="lq", clusterQueue="cq"),
                f("HC022", "Pod", "p", "team", component="kueue", localQueue="lq", clusterQueue="cq"),
                f("HC023", "Workload", "job-2", "team", component="kueue", localQueue="lq2", clusterQueue="other")]
    (c,) = link(findings)
    assert c.rule == "RC005" and len(c.members) == 3 and "inactive" in c.title


def test_model_download_failing_explains_the_inferenceservice():
    findings = [f("HC040", "InferenceService", "llama", "ml", component="kserve"),
                f("HC005", "Pod", "llama-predictor-1", "ml", container="kserve-container", inferenceService="llama"),
                f("HC005", "Pod", "llama-predictor-2", "ml", container="storage-initializer",
                  inferenceService="llama"),
                f("HC040", "InferenceService", "other", "ml", component="kserve")]
    (c,) = link(findings)
    assert c.rule == "RC006" and c.root == "HC005:Pod/ml/llama-predictor-2"
    assert set(c.members) == {"HC040:InferenceService/ml/llama", "HC005:Pod/ml/llama-predictor-1"}
    assert c.confidence is Confidence.HIGH and "download" in c.title


def test_kubeai_model_pod_failing_is_medium_confidence():
    findings = [f("HC050", "Model", "qwen", "kubeai", component="kubeai"),
                f("HC005", "Pod", "model-qwen-abc", "kubeai", container="server", model="qwen")]
    (c,) = link(findings)
    assert c.confidence is Confidence.MEDIUM and c.members == ("HC050:Model/kubeai/qwen",)


def test_a_root_without_members_is_not_a_cause_and_passed_findings_are_ignored():
    assert link([f("HC020", "ClusterQueue", "cq")]) == ()
    assert link([f("HC020", "ClusterQueue", "cq"),
                 f("HC021", "LocalQueue", "lq", "t", clusterQueue="cq", outcome=Outcome.PASSED)]) == ()


def test_every_finding_joins_at_most_one_cause():
    findings = [f("HC009", "Release", "gpu-operator", GPU, component=GPU), *gpu_driver_broken()]
    causes = link(findings)
    claimed = [m for c in causes for m in (c.root, *c.members)]
    assert len(claimed) == len(set(claimed))
    assert causes[0].rule == "RC001"  # the broader cause claims the component's findings first


@pytest.mark.parametrize("scenario", [gpu_driver_broken])
def test_links_never_depend_on_message_wording(scenario):
    findings = scenario()
    reworded = [replace(x, message="something else entirely", title="?", evidence=("x",)) for x in findings]
    assert link(findings) == link(reworded)


def test_rules_have_ids_titles_and_sources():
    assert [r.id for r in RULES] == sorted(r.id for r in RULES)
    for r in RULES:
        assert r.id.startswith("RC") and r.title and r.source


def test_causes_round_trip_through_json():
    findings = gpu_driver_broken()
    report = Report("check", tuple(findings), causes=link(findings))
    back = Report.from_dict(report.to_dict())
    assert back.causes == report.causes and back.findings == report.findings


def test_a_report_with_causes_validates_against_the_schema():
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text())
    findings = gpu_driver_broken()
    doc = Report("check", tuple(findings), causes=link(findings)).to_dict()
    jsonschema.Draft202012Validator(schema).validate(doc)
    doc["causes"][0]["members"] = []
    assert not jsonschema.Draft202012Validator(schema).is_valid(doc)


def test_table_shows_causes_first_with_members_folded_and_flat_shows_todays_view():
    from planner.render.report import render_report, render_table

    findings = [*gpu_driver_broken(), f("HC007", "PersistentVolumeClaim", "data", "ml")]
    report = Report("check", tuple(findings), causes=link(findings))
    text = render_table(report, width=120)
    assert text.index("RC004 (high)") < text.index("Other problems:") < text.index("PersistentVolumeClaim/ml/data")
    assert text.count("explains FAIL") == 7 and "Explains 7 finding(s)" in text
    flat = render_report(report, "table", flat=True)
    assert "RC004" not in flat and "Other problems" not in flat and flat.count("Node/gpu-1") == 2


def test_github_and_sarif_say_which_cause_explains_a_finding():
    import json as _json

    from planner.render.report import render_github, render_sarif

    findings = gpu_driver_broken()
    report = Report("check", tuple(findings), causes=link(findings))
    gh = render_github(report)
    assert gh.count("Explained by RC004") == 7 and gh.count("Root cause RC004") == 1
    results = _json.loads(render_sarif(report))["runs"][0]["results"]
    assert sum(1 for r in results if r["properties"].get("cause", "").startswith("RC004:")) == 8
