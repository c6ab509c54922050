"""HC021 (kueue_localqueues): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("kueue_localqueues"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC021", load(path), PLAN), path)


def test_names_the_cluster_queue() -> None:
    [f] = run("HC021", load(FIXTURES / "kueue_localqueues" / "clusterqueue-missing-FAILED.yaml"), PLAN)
    assert "gpu-queue-typo" in f.message and "gpu-queue-typo" in f.sensitive
