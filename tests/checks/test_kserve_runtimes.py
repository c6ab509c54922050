"""HC042 (kserve_runtimes): the ClusterServingRuntimes the kserve-runtimes values enable exist and are enabled."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.checks.kserve_runtimes import expected_runtimes
from tests.checks.harness import assert_expected, fixtures, load, make_plan, run

VALUES = dict(load_catalog().blueprints["kserve-runtimes"].values)
PLAN = make_plan("kserve-runtimes", values={"kserve-runtimes": VALUES})


@pytest.mark.parametrize("path", fixtures("kserve_runtimes"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC042", load(path), PLAN), path)


def test_the_blueprint_enables_the_runtimes_its_health_names() -> None:
    assert expected_runtimes(VALUES) == ["kserve-tritonserver", "kserve-huggingfaceserver", "kserve-vllmserver"]


def test_a_runtime_switched_off_in_values_is_not_expected() -> None:
    values = {"kserve": {"servingruntime": {"enabled": True, "vllmserver": {"disabled": True}}}}
    assert "kserve-vllmserver" not in expected_runtimes(values)
    assert expected_runtimes({"kserve": {"servingruntime": {"enabled": False}}}) == []
