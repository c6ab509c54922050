"""HC040 (kserve_inferenceservices): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixture_models, fixtures, load, make_plan, run

PLAN = make_plan("kserve")


@pytest.mark.parametrize("path", fixtures("kserve_inferenceservices"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC040", load(path), make_plan("kserve", models=fixture_models(path))), path)


def test_unready_isvc_shows_predictor_and_failure_info() -> None:
    [f] = run("HC040", load(FIXTURES / "kserve_inferenceservices" / "predictor-not-ready-FAILED.yaml"), PLAN)
    assert any("PredictorReady]=False reason=ProgressDeadlineExceeded" in e for e in f.evidence)
    assert any("lastFailureInfo reason=ModelLoadFailed" in e for e in f.evidence)
    assert {"llama-chat", "serving"} <= set(f.sensitive)
