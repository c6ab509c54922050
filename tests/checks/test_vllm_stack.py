"""HC060 (vllm_stack): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("vllm-stack")


@pytest.mark.parametrize("path", fixtures("vllm_stack"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC060", load(path), PLAN), path)


def test_engine_failure_names_the_model_and_event() -> None:
    findings = run("HC060", load(FIXTURES / "vllm_stack" / "engine-runtimeclass-missing-1FAILED.yaml"), PLAN)
    [f] = [f for f in findings if f.is_problem]
    assert "engine for model llama3" in f.message
    assert any('RuntimeClass "nvidia" not found' in e for e in f.evidence)
