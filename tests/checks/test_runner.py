"""The runner: checks that do not apply are left out (counted), meta timings are consistent, and
cross-cutting findings get the component owning their namespace."""

from __future__ import annotations

from planner.checks.registry import CHECKS
from planner.checks.runner import run_checks
from tests.checks.harness import FIXTURES, NOW, FakeReader, load, make_plan


def test_checks_of_components_not_in_the_plan_are_left_out_and_counted() -> None:
    report = run_checks(make_plan("kueue"), FakeReader([]), now=NOW)
    ran = {f.check_id for f in report.findings}
    not_applicable = {i for i, c in CHECKS.items() if c.components and "kueue" not in c.components}
    assert not_applicable and not ran & not_applicable
    assert report.meta["notApplicable"] == len(not_applicable)
    assert report.meta["checks"] == len(CHECKS) - len(not_applicable)
    assert not any("none of them is in the plan" in f.message for f in report.findings)


def test_timings_are_wall_clock_and_add_up() -> None:
    meta = run_checks(make_plan("kueue"), FakeReader([]), now=NOW).meta
    assert meta["listSeconds"] + meta["checkSeconds"] <= meta["seconds"] + 0.002  # rounding


def test_cross_cutting_findings_name_the_owning_component_and_real_names() -> None:
    crash = load(FIXTURES / "pods_running" / "crashloop-FAILED.yaml")  # a pod in kueue-system
    [f] = run_checks(make_plan("kueue"), FakeReader(crash), check_ids=["HC005"], now=NOW).problems()
    assert f.component == "kueue"
    assert f"kubectl -n kueue-system logs {f.subject.name} --previous" in f.remediation
    assert " NS " not in f.remediation and "POD" not in f.remediation


def test_a_namespace_shared_by_two_components_gives_no_component() -> None:
    pod = load(FIXTURES / "pods_running" / "crashloop-FAILED.yaml")[0]
    moved = {**pod, "metadata": {**pod["metadata"], "namespace": "gpu-operator"}}
    plan = make_plan("gpu-operator", "fake-gpu-operator")  # both live in gpu-operator
    [f] = run_checks(plan, FakeReader([moved]), check_ids=["HC005"], now=NOW).problems()
    assert f.component is None
    labelled = {**moved, "metadata": {**moved["metadata"], "labels": {"app.kubernetes.io/instance": "gpu-operator"}}}
    [f] = run_checks(plan, FakeReader([labelled]), check_ids=["HC005"], now=NOW).problems()
    assert f.component == "gpu-operator"
