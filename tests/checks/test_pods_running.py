"""HC005 pods not crash-looping / failing to pull, in the plan's namespaces only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("pods_running"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC005", load(path), PLAN), path)


def test_image_pull_has_event_and_specific_fix() -> None:
    [f] = run("HC005", load(FIXTURES / "pods_running" / "image-pull-backoff-FAILED.yaml"), PLAN)
    assert "ImagePullBackOff" in f.message
    assert any("no such host" in e for e in f.evidence)
    assert "registry" in f.remediation
    assert f.sensitive == ()  # a stack namespace and an upstream name: nothing to mask
