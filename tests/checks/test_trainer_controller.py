"""HC071 (trainer_controller): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kubeflow-trainer")


@pytest.mark.parametrize("path", fixtures("trainer_controller"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC071", load(path), PLAN), path)


def test_jobset_not_expected_when_not_bundled() -> None:
    objs = [o for o in load(FIXTURES / "trainer_controller" / "up-2PASSED.yaml")
            if o["metadata"]["name"] != "jobset-controller"]
    plan = make_plan("kubeflow-trainer", values={"kubeflow-trainer": {"jobset": {"install": False}}})
    assert [f.outcome.value for f in run("HC071", objs, plan)] == ["PASSED"]
    assert [f.outcome.value for f in run("HC071", objs, PLAN)] == ["PASSED", "FAILED"]
