"""The registry is complete and consistent: ids, titles, fixtures in both directions, kinds, RBAC catalog."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from planner.checks import registry
from planner.checks.base import Check
from planner.checks.registry import CHECKS, DuplicateCheckError, _register, kinds_read
from planner.kinds import CATALOG
from tests.checks.harness import COMPONENTS as TEST_COMPONENTS
from tests.checks.harness import FIXTURES, expected

HERE = Path(__file__).parent


def module_of(check: Check) -> str:
    return inspect.getmodule(type(check)).__name__.rsplit(".", 1)[1]


def test_ids_are_hc_numbers_and_titles_read_as_healthy_state() -> None:
    for cid, check in CHECKS.items():
        assert re.fullmatch(r"HC\d{3}", cid), cid
        assert check.title and not check.title.lower().startswith(("check", "ensure", "verify")), check.title
        assert check.remediation, f"{cid} has no remediation"
        assert check.reads or getattr(check, "reads_note", ""), f"{cid} declares no kinds it reads"


@pytest.mark.parametrize("cid", sorted(CHECKS))
def test_every_check_has_tests_and_fixtures_both_ways(cid: str) -> None:
    module = module_of(CHECKS[cid])
    assert (HERE / f"test_{module}.py").is_file(), f"tests/checks/test_{module}.py missing"
    outcomes = {expected(p)[0].value for p in (FIXTURES / module).glob("*.yaml")}
    assert {"PASSED", "FAILED"} <= outcomes, f"{module}: fixtures need a PASSED and a FAILED case, have {outcomes}"
    for path in (FIXTURES / module).glob("*.yaml"):
        assert path.read_text().startswith("#"), f"{path.name}: start with a comment citing the upstream source"


def test_duplicate_id_raises() -> None:
    first = type(CHECKS["HC001"])
    clash = type("Clash", (first,), {"title": "x"})
    with pytest.raises(DuplicateCheckError, match="HC001"):
        _register((first, clash))


def test_every_check_module_is_registered() -> None:
    modules = {p.stem for p in Path(registry.__file__).parent.glob("*.py")}
    framework = {"__init__", "base", "declared", "docgen", "fold", "k8s", "registry", "runner", "view"}
    assert modules - framework == {module_of(c) for c in CHECKS.values()}


def test_catalog_is_exactly_what_checks_read() -> None:
    assert set(CATALOG) == set(kinds_read()), "planner/kinds.py CATALOG drifted from the checks' `reads`"


def test_component_scoped_checks_name_real_components() -> None:
    known = set(TEST_COMPONENTS) | {"fake-gpu-operator"}
    for check in CHECKS.values():
        assert set(check.components) <= known, f"{check.id} names an unknown component {check.components}"
