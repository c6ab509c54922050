"""HC001 CRDs established: deleted CRD, name conflict, and the 403 path."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.kinds import CRDS
from planner.report import Outcome
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("crds_established"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC001", load(path), PLAN), path)


def test_deleted_crd_is_named() -> None:
    findings = run("HC001", load(FIXTURES / "crds_established" / "localqueues-deleted-1FAILED.yaml"), PLAN)
    [f] = [f for f in findings if f.outcome is Outcome.FAILED]
    assert f.subject.name == "localqueues.kueue.x-k8s.io" and f.component == "kueue"


def test_forbidden_crd_list_is_unknown() -> None:
    [f] = run("HC001", [], PLAN, forbidden=[CRDS])
    assert f.outcome is Outcome.UNKNOWN and "forbidden" in f.message
