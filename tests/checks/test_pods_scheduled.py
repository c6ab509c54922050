"""HC006 pods scheduled: GPU pods anywhere, the scheduler's reason, grace period, gated pods left to HC022."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("pods_scheduled"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC006", load(path), PLAN), path)


def test_scheduler_reason_and_sensitive_names() -> None:
    [f] = run("HC006", load(FIXTURES / "pods_scheduled" / "gpu-pod-unschedulable-FAILED.yaml"), PLAN)
    assert "Insufficient nvidia.com/gpu" in f.message and "requests nvidia.com/gpu" in f.message
    assert any(e.startswith("event FailedScheduling") for e in f.evidence)
    assert set(f.sensitive) == {"finetune-0", "team-a"}


def test_cpu_pod_outside_the_stack_is_ignored() -> None:
    objs = load(FIXTURES / "pods_scheduled" / "gpu-pod-unschedulable-FAILED.yaml")
    objs[0]["spec"]["containers"][0]["resources"] = {}
    [f] = run("HC006", objs, PLAN)
    assert f.outcome.value == "PASSED"
