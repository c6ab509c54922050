"""HC004 aggregated APIs available."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("apiservices_available"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC004", load(path), PLAN), path)


def test_unavailable_names_backing_service() -> None:
    [f] = run("HC004", load(FIXTURES / "apiservices_available" / "visibility-missing-endpoints-FAILED.yaml"), PLAN)
    assert "MissingEndpoints" in f.evidence[0]
    assert f.evidence[1] == "backed by Service kueue-system/kueue-visibility-server"


def test_local_apiservices_are_not_counted() -> None:
    [f] = run("HC004", load(FIXTURES / "apiservices_available" / "available-PASSED.yaml"), PLAN)
    assert f.message.startswith("1 aggregated")
