"""HC002 workloads available: scaled to zero, missing, crash-looping pods, optional workloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.model import Workload
from planner.report import Outcome
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("workloads_available"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC002", load(path), PLAN), path)


def test_scaled_to_zero_says_so() -> None:
    [f] = run("HC002", load(FIXTURES / "workloads_available" / "scaled-to-zero-FAILED.yaml"), PLAN)
    assert ".spec.replicas=0" in f.evidence[0]


def test_crashloop_pod_is_evidence() -> None:
    [f] = run("HC002", load(FIXTURES / "workloads_available" / "crashlooping-pod-FAILED.yaml"), PLAN)
    assert any("CrashLoopBackOff" in e and "restartCount=7" in e for e in f.evidence)
    assert any("MinimumReplicasUnavailable" in e for e in f.evidence)


def test_optional_missing_workload_is_not_reported() -> None:
    plan = make_plan("kueue", workloads={"kueue": (Workload("Deployment", "kueueviz-backend", optional=True),)})
    [f] = run("HC002", [], plan)
    assert f.outcome is Outcome.SKIPPED and "nothing to check" in f.message
    plan = make_plan("kueue", workloads={"kueue": (Workload("Job", "x"),)})
    [f] = run("HC002", [], plan)
    assert f.outcome is Outcome.FAILED
