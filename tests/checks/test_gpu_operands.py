"""HC013 driver/toolkit/device-plugin DaemonSets on every GPU node."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.report import Outcome
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("gpu-operator")


@pytest.mark.parametrize("path", fixtures("gpu_operands"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC013", load(path), PLAN), path)


def test_driver_on_one_of_two() -> None:
    findings = run("HC013", load(FIXTURES / "gpu_operands" / "driver-on-one-of-two-FAILED.yaml"), PLAN)
    [f] = [f for f in findings if f.outcome is Outcome.FAILED]
    assert f.subject.name == "nvidia-driver-daemonset" and "1 of 2 GPU nodes" in f.message


def test_preinstalled_driver_is_not_expected() -> None:
    objs = [o for o in load(FIXTURES / "gpu_operands" / "driver-on-one-of-two-FAILED.yaml")
            if o["metadata"]["name"] != "nvidia-driver-daemonset"]
    plan = make_plan("gpu-operator", values={"gpu-operator": {"driver": {"enabled": False}}})
    findings = run("HC013", objs, plan)
    assert [f.outcome for f in findings] == [Outcome.PASSED, Outcome.PASSED]
    missing = run("HC013", objs, PLAN)
    assert any(f.outcome is Outcome.FAILED and "does not exist" in f.message for f in missing)
