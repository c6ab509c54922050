"""HC009 components installed: one finding per release; a component that is not installed at all gets
one FAILED finding, and its other checks' problems are folded into it (runner + planner/checks/fold.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.checks.runner import run_checks
from planner.kinds import VOLCANO_QUEUES
from planner.report import Outcome
from tests.checks.harness import FIXTURES, NOW, FakeReader, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("components_installed"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC009", load(path), PLAN), path)


def test_missing_objects_are_the_evidence() -> None:
    [f] = run("HC009", [], PLAN)
    assert f.outcome is Outcome.FAILED and f.component == "kueue" and "kueue is not installed" in f.message
    assert "CustomResourceDefinition/clusterqueues.kueue.x-k8s.io not found" in f.evidence
    assert "Deployment/kueue-system/kueue-controller-manager not found" in f.evidence
    assert "helm list -n kueue-system" in f.remediation  # the real namespace, not NS


def test_absent_component_is_one_finding_with_the_rest_folded_in() -> None:
    objects = load(FIXTURES / "workloads_available" / "available-PASSED.yaml")  # kueue runs, volcano is absent
    report = run_checks(make_plan("kueue", "volcano"), FakeReader(objects), now=NOW)
    volcano = [f for f in report.problems() if f.component == "volcano"]
    assert [(f.check_id, f.outcome) for f in volcano] == [("HC009", Outcome.FAILED)]
    [f] = volcano
    folded = [e for e in f.evidence if e.startswith("folded: ")]
    assert folded and len(folded) == report.meta["folded"]
    crd = "folded: HC001 FAILED CustomResourceDefinition/queues.scheduling.volcano.sh"
    assert any(e.startswith(crd) for e in folded)
    assert any(e.startswith("folded: HC002 FAILED Deployment/volcano-system/volcano-scheduler") for e in folded)
    # kueue is installed: its own problems (missing CRDs) are still reported one by one
    assert {f.check_id for f in report.problems() if f.component == "kueue"} >= {"HC001"}
    assert any(f.check_id == "HC009" and f.component == "kueue" and f.outcome is Outcome.PASSED
               for f in report.findings)


def test_partly_installed_component_is_not_folded() -> None:
    objects = load(FIXTURES / "components_installed" / "one-crd-left-1PASSED.yaml")
    report = run_checks(PLAN, FakeReader(objects), now=NOW)
    assert report.meta["folded"] == 0
    assert sum(1 for f in report.problems() if f.check_id == "HC001") == 3


def test_only_problems_the_absence_explains_are_folded() -> None:
    plan = make_plan("volcano")
    missing = run_checks(plan, FakeReader([], missing=[VOLCANO_QUEUES]), now=NOW)
    assert not [f for f in missing.problems() if f.check_id == "HC030"]  # API not served: folded
    assert any(e.startswith("folded: HC030 UNKNOWN") for f in missing.problems() for e in f.evidence)
    forbidden = run_checks(plan, FakeReader([], forbidden=[VOLCANO_QUEUES]), now=NOW)
    [f] = [f for f in forbidden.problems() if f.check_id == "HC030"]  # RBAC is another problem: it stays
    assert f.outcome is Outcome.UNKNOWN and "forbidden" in f.message


def test_folding_reads_typed_data_not_the_wording() -> None:
    """An UNKNOWN is folded because its read failed with "API not served" (typed), whatever its message says."""
    from planner.checks.fold import fold_absent_components
    from planner.report import Finding, Subject

    absent = Finding("HC009", "installed", Outcome.FAILED, Subject("Component", "volcano"), "volcano is not installed",
                     component="volcano")
    reworded = Finding("HC030", "queues", Outcome.UNKNOWN, Subject("Check", "HC030"), "[HC030] CRD absent (404)",
                       component="volcano", api_not_served=True)
    lookalike = Finding("HC031", "podgroups", Outcome.UNKNOWN, Subject("Check", "HC031"),
                        "[HC031] not installed: but this UNKNOWN is a timeout", component="volcano")
    out, n = fold_absent_components([absent, reworded, lookalike])
    assert n == 1 and [f.check_id for f in out] == ["HC009", "HC031"]
