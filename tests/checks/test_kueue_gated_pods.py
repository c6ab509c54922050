"""HC022 (kueue_gated_pods): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("kueue_gated_pods"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC022", load(path), PLAN), path)


def test_gated_pod_carries_its_workloads_reason() -> None:
    [f] = run("HC022", load(FIXTURES / "kueue_gated_pods" / "gated-long-FAILED.yaml"), PLAN)
    assert "120 min" in f.message and "team-a-queue" in f.message
    assert any("reason=Inadmissible" in e and "doesn't exist" in e for e in f.evidence)
    assert {"train-pod-0", "team-a", "team-a-queue"} <= set(f.sensitive)


def test_gated_pod_without_workload_says_so() -> None:
    objs = [o for o in load(FIXTURES / "kueue_gated_pods" / "gated-long-FAILED.yaml") if o["kind"] == "Pod"]
    [f] = run("HC022", objs, PLAN)
    assert any("no Workload owned by this pod" in e for e in f.evidence)


def test_unreadable_workloads_only_lose_the_reason() -> None:
    from planner.kinds import KUEUE_WORKLOADS

    [f] = run("HC022", load(FIXTURES / "kueue_gated_pods" / "gated-long-FAILED.yaml"), PLAN, missing=[KUEUE_WORKLOADS])
    assert f.outcome.value == "FAILED" and any("Workloads not readable" in e for e in f.evidence)
