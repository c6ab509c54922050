"""HC030 (volcano_queues): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("volcano")


@pytest.mark.parametrize("path", fixtures("volcano_queues"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC030", load(path), PLAN), path)


def test_builtin_queue_names_are_not_sensitive() -> None:
    findings = run("HC030", load(FIXTURES / "volcano_queues" / "closed-queue-1FAILED.yaml"), PLAN)
    [bad] = [f for f in findings if f.is_problem]
    assert bad.subject.name == "research" and bad.sensitive == ("research",)
    assert all(f.sensitive == () for f in findings if f.subject.name in ("root", "default"))
