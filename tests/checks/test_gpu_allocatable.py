"""HC012 GPU nodes advertise allocatable nvidia.com/gpu."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.report import Outcome
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("gpu-operator")


@pytest.mark.parametrize("path", fixtures("gpu_allocatable"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC012", load(path), PLAN), path)


def test_failed_names_the_node_and_fields() -> None:
    findings = run("HC012", load(FIXTURES / "gpu_allocatable" / "gpu-node-without-allocatable-1FAILED.yaml"), PLAN)
    [f] = [f for f in findings if f.outcome is Outcome.FAILED]
    assert f.subject.name == "gpu-node-1"
    assert "allocatable[nvidia.com/gpu]=None" in f.evidence[0]
    assert f.sensitive == ("gpu-node-1",)


def test_expected_gpu_nodes_but_none_labelled() -> None:
    cpu_only = load(FIXTURES / "gpu_validator" / "no-gpu-nodes-PASSED.yaml")
    [f] = run("HC012", cpu_only, make_plan("gpu-operator", gpu_nodes=2))
    assert f.outcome is Outcome.FAILED and "expects 2 GPU node(s)" in f.message
    [g] = run("HC012", cpu_only, PLAN)
    assert g.outcome is Outcome.PASSED


def test_applies_to_fake_gpu_operator() -> None:
    findings = run("HC012", load(FIXTURES / "gpu_allocatable" / "fake-gpu-pool-PASSED.yaml"),
                   make_plan("fake-gpu-operator"))
    assert [f.outcome for f in findings] == [Outcome.PASSED]
