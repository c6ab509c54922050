"""HC023 (kueue_workloads): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("kueue_workloads"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC023", load(path), PLAN), path)


def test_inadmissible_messages() -> None:
    findings = run("HC023", load(FIXTURES / "kueue_workloads" / "inadmissible-2FAILED.yaml"), PLAN)
    assert sorted(f.message.split(": ", 1)[1] for f in findings) == [
        "ClusterQueue gpu-cluster-queue is inactive", "LocalQueue team-a-queue doesn't exist"]


def test_waiting_for_quota_is_counted_not_failed() -> None:
    [f] = run("HC023", load(FIXTURES / "kueue_workloads" / "admitted-PASSED.yaml"), PLAN)
    assert "1 waiting for quota" in f.message
