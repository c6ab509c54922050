"""HC072 (trainjobs): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kubeflow-trainer")


@pytest.mark.parametrize("path", fixtures("trainjobs"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC072", load(path), PLAN), path)


def test_failed_condition_is_evidence() -> None:
    [f] = run("HC072", load(FIXTURES / "trainjobs" / "failed-FAILED.yaml"), PLAN)
    assert "JobsFailed" in f.evidence[0]
