"""HC080 (rayservices): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kuberay")


@pytest.mark.parametrize("path", fixtures("rayservices"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC080", load(path), PLAN), path)


def test_zero_endpoints_reason() -> None:
    [f] = run("HC080", load(FIXTURES / "rayservices" / "zero-endpoints-FAILED.yaml"), PLAN)
    assert "ZeroServeEndpoints" in f.evidence[0]
