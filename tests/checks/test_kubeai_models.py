"""HC050 (kubeai_models): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kubeai")


@pytest.mark.parametrize("path", fixtures("kubeai_models"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC050", load(path), PLAN), path)


def test_pending_model_pod_is_evidence() -> None:
    [f] = run("HC050", load(FIXTURES / "kubeai_models" / "gpu-pod-pending-FAILED.yaml"), PLAN)
    assert "0 ready replica(s), needs 1" in f.message
    assert any("Insufficient nvidia.com/gpu" in e for e in f.evidence)
    assert f.sensitive == ("llama-3.1-8b-instruct-l4",)
