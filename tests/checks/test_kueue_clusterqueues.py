"""HC020 (kueue_clusterqueues): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("kueue_clusterqueues"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC020", load(path), PLAN), path)


def test_flavor_not_found_has_specific_fix() -> None:
    [f] = run("HC020", load(FIXTURES / "kueue_clusterqueues" / "flavor-not-found-FAILED.yaml"), PLAN)
    assert "FlavorNotFound" in f.message and "ResourceFlavor" in f.remediation
    assert "references missing ResourceFlavor(s): a100" in f.evidence[0]
