"""HC070 (kfp_api): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kubeflow-pipelines")


@pytest.mark.parametrize("path", fixtures("kfp_api"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC070", load(path), PLAN), path)


def test_missing_deployment() -> None:
    [f] = run("HC070", [], PLAN)
    assert f.outcome.value == "FAILED" and "ml-pipeline" in f.message
