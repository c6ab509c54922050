"""HC011 validator pods: Init:CrashLoopBackOff in driver-validation is reported as a driver problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("gpu-operator")


@pytest.mark.parametrize("path", fixtures("gpu_validator"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC011", load(path), PLAN), path)


def test_driver_crashloop_is_a_driver_problem_with_events() -> None:
    [f] = run("HC011", load(FIXTURES / "gpu_validator" / "crashloop-driver-validation-FAILED.yaml"), PLAN)
    assert "Init:CrashLoopBackOff" in f.message and "driver-validation" in f.message
    assert "driver is not loaded" in f.message
    assert any("restartCount=14" in e for e in f.evidence)
    assert any(e.startswith("event BackOff") for e in f.evidence)
    assert "gpu-node-1" in f.sensitive
    assert "nvidia-driver-daemonset" in f.remediation


def test_validator_in_other_namespace_is_not_counted() -> None:
    objs = load(FIXTURES / "gpu_validator" / "running-PASSED.yaml")
    objs[0]["metadata"]["namespace"] = "elsewhere"
    node = load(FIXTURES / "gpu_validator" / "no-validator-on-gpu-node-FAILED.yaml")
    [f] = run("HC011", objs + node, PLAN)
    assert f.outcome.value == "FAILED" and "no validator pods" in f.message
