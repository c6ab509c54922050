"""HC010 ClusterPolicy ready: fixtures plus the CRD-missing and forbidden paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.kinds import CLUSTER_POLICIES
from planner.report import Outcome
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("gpu-operator")


@pytest.mark.parametrize("path", fixtures("gpu_clusterpolicy"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC010", load(path), PLAN), path)


def test_notready_names_the_state_and_reason() -> None:
    [f] = run("HC010", load(FIXTURES / "gpu_clusterpolicy" / "notready-driver-FAILED.yaml"), PLAN)
    assert "notReady" in f.message and "OperandNotReady" in f.message
    assert any("states not ready: [state-driver]" in e for e in f.evidence)
    assert any(".status.state=notReady" in e for e in f.evidence)


def test_crd_missing_is_unknown_with_reason() -> None:
    [f] = run("HC010", [], PLAN, missing=[CLUSTER_POLICIES])
    assert f.outcome is Outcome.UNKNOWN
    assert f.message.startswith("[HC010]") and "not installed" in f.message


def test_not_applicable_without_gpu_operator() -> None:
    assert run("HC010", [], make_plan("kueue")) == []  # left out of the report, not SKIPPED
