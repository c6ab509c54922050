"""Every report format carries the finding and, when there is one, its whole explanation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from planner.render.report import RENDERERS, render_report
from planner.report import Explanation, Finding, Outcome, Report, Severity, Subject

EXPLAINED = Finding(
    "HC010", "ClusterPolicy is ready", Outcome.FAILED, Subject("ClusterPolicy", "cluster-policy"),
    "state is notReady", severity=Severity.HIGH, component="gpu-operator",
    evidence=("ClusterPolicy/cluster-policy .status.state=notReady",),
    explanation=Explanation("driver not ready", "the driver daemonset crash-loops", "use the precompiled driver",
                            ("kubectl -n gpu-operator logs ds/nvidia-driver-daemonset",), "knowledge-base:gpu.driver"),
)
PASSED = Finding("HC002", "Deployments are available", Outcome.PASSED,
                 Subject("Deployment", "kueue-controller-manager", "kueue-system"), "available", component="kueue")
UNKNOWN = Finding("HC030", "ClusterQueues are active", Outcome.UNKNOWN, Subject("ClusterQueue", "*"),
                  "forbidden: cannot list clusterqueues", component="kueue")
REPORT = Report("check", (EXPLAINED, PASSED, UNKNOWN), meta={"stackFile": "stacks/prod.yaml"})


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_shows_the_explanation(fmt: str) -> None:
    text = render_report(REPORT, fmt)
    for part in ("the driver daemonset crash-loops", "use the precompiled driver",
                 "kubectl -n gpu-operator logs ds/nvidia-driver-daemonset", "knowledge-base:gpu.driver"):
        assert part in text.replace("%0A", "\n"), (fmt, part)


def test_junit_counts_failures_errors_and_passes() -> None:
    root = ET.fromstring(render_report(REPORT, "junit").split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    names = {c.get("name") for c in root.iter("testcase")}
    assert "HC010 ClusterPolicy/cluster-policy" in names


def test_sarif_has_rules_and_only_problems_as_results() -> None:
    doc = json.loads(render_report(REPORT, "sarif"))
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"HC010", "HC002", "HC030"}
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("HC010", "error"), ("HC030", "warning")]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/prod.yaml"


def test_github_annotations_escape_newlines_and_properties() -> None:
    lines = render_report(REPORT, "github").splitlines()
    assert lines[0].startswith("::error file=stacks/prod.yaml,title=HC010 gpu-operator ClusterPolicy is ready::")
    assert "%0A" in lines[0] and "\n" not in lines[0]
    assert lines[1].startswith("::warning ")
    assert lines[-1] == "::notice title=stackplan check::1 passed, 1 failed, 1 unknown, 0 skipped"


def test_exit_code_and_summary() -> None:
    assert REPORT.exit_code() == 1
    assert Report("check", (PASSED,)).exit_code() == 0
    assert Report("check", (PASSED,), errors=("[HC001] boom",)).exit_code() == 1


def test_unknown_format_is_an_input_error() -> None:
    from planner.errors import InputError

    with pytest.raises(InputError):
        render_report(REPORT, "xml")
