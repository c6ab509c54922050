"""Every report format carries the finding and, when there is one, its whole explanation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from planner.render.report import RENDERERS, render_report, render_table
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


NO_FILE = Report("check", (EXPLAINED, UNKNOWN), meta={"stackFile": None})  # a --profile run


def test_github_without_a_stack_file_has_no_file_property() -> None:
    lines = render_report(NO_FILE, "github").splitlines()
    assert lines[0].startswith("::error title=HC010 gpu-operator ClusterPolicy is ready::")
    assert not any("file=" in line for line in lines)


def test_sarif_without_a_stack_file_has_only_a_logical_location() -> None:
    [first, _] = json.loads(render_report(NO_FILE, "sarif"))["runs"][0]["results"]
    [location] = first["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"] == [{"fullyQualifiedName": "ClusterPolicy/cluster-policy",
                                             "kind": "ClusterPolicy"}]
    assert "stackplan.yaml" not in render_report(NO_FILE, "sarif")


def test_github_title_without_component_has_no_double_space() -> None:
    pods = Finding("HC005", "Pods are running", Outcome.FAILED, Subject("Pod", "p-1", "team-a"), "CrashLoopBackOff")
    [line] = render_report(Report("check", (pods,)), "github").splitlines()[:1]
    assert "title=HC005 Pods are running::" in line and "  " not in line


LONG = Finding("HC005", "Pods are running", Outcome.FAILED,
               Subject("Pod", "kubeai-6bdd984c47-tqhrr-with-a-very-long-generated-suffix",
                       "kubeai-inference-namespace"),
               "pod is in CrashLoopBackOff", component="kubeai", evidence=("container server restarted 7 times",))


@pytest.mark.parametrize("width", [80, 100, 160])
def test_table_fits_the_width_and_never_splits_a_name(width: int) -> None:
    text = render_table(Report("check", (LONG, EXPLAINED)), width=width)
    table = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= width for line in table)
    rows = [line for line in table if "HC005" in line]
    assert len(rows) == 1  # one line per finding: never wrapped onto a second line
    name = "Pod/kubeai-inference-namespace/kubeai-6bdd984c47-tqhrr-with-a-very-long-generated-suffix"
    assert name in rows[0] or "…" in rows[0]  # whole, or cut with an ellipsis
    assert name in text.split("└", 1)[1]  # the detail block below always has the whole name


def test_table_lists_each_problem_once_and_the_details_below() -> None:
    text = render_table(Report("check", (LONG, EXPLAINED, PASSED)), width=120)
    head, details = text.split("└", 1)
    assert "pod is in CrashLoopBackOff" not in head and "pod is in CrashLoopBackOff" in details
    assert "kueue-controller-manager" not in text  # passed findings are counted, not listed


def test_table_width_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.render import report as mod

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert mod.output_width() == mod.PIPED_WIDTH
    monkeypatch.setenv("COLUMNS", "80")
    assert mod.output_width() == 80


def test_detail_blocks_wrap_at_spaces_and_keep_names_whole() -> None:
    long = Finding("HC009", "The plan's components are installed", Outcome.FAILED,
                   Subject("Release", "kubeflow-pipelines", "kubeflow"),
                   "component kubeflow-pipelines is not installed: none of the 12 objects its release declares exists",
                   component="kubeflow-pipelines", remediation="Install it with `stackplan apply` (`helm list -n "
                   "kubeflow` shows whether a release exists there), or remove it from the stack.",
                   evidence=tuple(f"Deployment/kubeflow/ml-pipeline-{i} not found" for i in range(11)))
    text = render_table(Report("check", (long,)), width=60)
    details = text.split("└", 1)[1]
    assert all(len(line) <= 60 for line in details.splitlines())
    assert "Deployment/kubeflow/ml-pipeline-7 not found" in details
    assert "… 3 more (`-o json` lists all)" in details
    assert "`helm list -n\n" in details or "`helm list -n kubeflow`" in details.replace("\n      ", " ")
