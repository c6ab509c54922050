"""HC050 (kubeai_models): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixture_models, fixtures, load, make_plan, run

PLAN = make_plan("kubeai")


@pytest.mark.parametrize("path", fixtures("kubeai_models"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC050", load(path), make_plan("kubeai", models=fixture_models(path))), path)


def test_pending_model_pod_is_evidence() -> None:
    [f] = run("HC050", load(FIXTURES / "kubeai_models" / "gpu-pod-pending-FAILED.yaml"), PLAN)
    assert "0 ready replica(s), needs 1" in f.message
    assert any("Insufficient nvidia.com/gpu" in e for e in f.evidence)
    assert f.sensitive == ("llama-3.1-8b-instruct-l4",)


def test_a_declared_model_missing_is_named() -> None:
    path = FIXTURES / "kubeai_models" / "declared-missing-1FAILED.yaml"
    [f] = [f for f in run("HC050", load(path), make_plan("kubeai", models=fixture_models(path))) if f.is_problem]
    assert f.message == "KubeAI Model `llama-3.1-8b` missing"
    assert (f.subject.kind, f.subject.namespace) == ("Model", "kubeai")
    assert any("hf://meta-llama/Meta-Llama-3.1-8B-Instruct" in e for e in f.evidence)


def test_no_models_declared_is_not_applicable() -> None:
    [f] = run("HC050", [], PLAN)
    assert f.outcome.value == "PASSED" and "not applicable" in f.message
