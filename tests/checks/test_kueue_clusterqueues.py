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
    [f] = [f for f in run("HC020", load(FIXTURES / "kueue_clusterqueues" / "flavor-not-found-FAILED.yaml"), PLAN)
           if f.is_problem]
    assert "FlavorNotFound" in f.message and "ResourceFlavor" in f.remediation
    assert "references missing ResourceFlavor(s): a100" in f.evidence[0]


def test_the_cluster_queue_stackplan_creates_is_required() -> None:
    [f] = run("HC020", [], PLAN)
    assert f.outcome.value == "FAILED" and f.message == "Kueue ClusterQueue `stackplan` missing"
    assert "stackplan apply" in f.remediation and f.subject.kind == "ClusterQueue"
