"""HC008 nodes Ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("nodes_ready"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC008", load(path), PLAN), path)


def test_unknown_node_is_masked_and_explained() -> None:
    findings = run("HC008", load(FIXTURES / "nodes_ready" / "one-unknown-1FAILED.yaml"), PLAN)
    [f] = [f for f in findings if f.is_problem]
    assert f.sensitive == ("node-1",) and "NodeStatusUnknown" in f.evidence[0]
