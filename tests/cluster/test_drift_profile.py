"""The acceptance test of issue 7: no drift right after `stackplan apply` of a real profile (full-mlops, from
the stand-in charts in tests/charts), then a real change is caught. The profile uses fixed namespaces and
cluster-wide CRDs shared with other tests, so everything installed is removed afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.apply_helpers import named, planned

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "tests" / "charts"
PROFILE = "full-mlops"


def _run(env: dict[str, str], *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(list(argv), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}",
                    pytrace=False)
    return p


def _drift(env: dict[str, str]) -> tuple[int, dict]:
    p = _run(env, sys.executable, "-m", "planner", "drift", "--profile", PROFILE, *named(PROFILE), "-o", "json",
             check=False)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


def test_no_drift_after_applying_full_mlops_then_a_values_change_is_caught(cluster_env: dict[str, str]) -> None:

    env = {**cluster_env, "PYTHONPATH": str(ROOT)}
    plan = planned(PROFILE)
    apply = (sys.executable, "-m", "planner", "apply", "--profile", PROFILE, *named(PROFILE), "--chart-dir",
             str(CHARTS), "--timeout", "3m")
    try:
        if _run(env, *apply, check=False).returncode != 0:
            _run(env, *apply)  # re-running is safe; a fresh object can race `kubectl wait` once
        code, report = _drift(env)
        problems = [f for f in report["findings"] if f["outcome"] in ("FAILED", "UNKNOWN")]
        assert code == 0, problems
        assert {f["component"] for f in report["findings"] if f["checkId"] == "DR001"} == set(plan.releases)

        mlflow = plan.releases["mlflow"]
        _run(env, "helm", "upgrade", "mlflow", str(CHARTS / "mlflow"), "-n", mlflow.namespace, "--reuse-values",
             "--set", "stackplanDriftProbe=1")
        code, report = _drift(env)
        assert code == 1
        assert [(f["checkId"], f["component"]) for f in report["findings"]
                if f["outcome"] == "FAILED"] == [("DR003", "mlflow")]
        assert "stackplanDriftProbe: not planned, live 1" in next(
            f for f in report["findings"] if f["checkId"] == "DR003" and f["component"] == "mlflow")["evidence"]
    finally:
        for wave in plan.reversed_waves():
            for rid in wave:
                rel = plan.releases[rid]
                if rel.source.kind == "kustomize":
                    _run(env, "kubectl", "delete", "-k", str(CHARTS / rid), "--ignore-not-found", "--wait=true",
                         "--timeout=120s", check=False)
                else:
                    _run(env, "helm", "uninstall", rid, "-n", rel.namespace, "--wait", "--timeout", "120s",
                         "--ignore-not-found", check=False)
