"""HC031 (volcano_podgroups): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("volcano")


@pytest.mark.parametrize("path", fixtures("volcano_podgroups"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC031", load(path), PLAN), path)


def test_unschedulable_condition_is_evidence() -> None:
    [f] = run("HC031", load(FIXTURES / "volcano_podgroups" / "gang-unschedulable-FAILED.yaml"), PLAN)
    assert "60 min" in f.message
    assert any("NotEnoughResources" in e and "tasks in gang unschedulable" in e for e in f.evidence)
