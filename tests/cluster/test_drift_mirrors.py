"""Issue #18 on the real control plane: after `stackplan apply` of each profile with each mirror style the machine
can serve (no network: the stand-in charts of tests/charts), `stackplan drift` of the same stack file exits 0.

Mirror styles (all from tests/charts, so the applied objects are the same and a later style mostly finds its
releases up to date):
- `chart-dir`: no mirror in the stack file, `apply --chart-dir tests/charts`;
- `mirror`: `mirror: {charts: tests/charts, kustomize: tests/charts}` in the stack file;
- `kustomize-mirror`: `mirror: {kustomize: tests/charts}` in the stack file, charts from `--chart-dir` — before
  issue #18 drift looked for Helm records of the mirrored kustomize releases (DR001, exit 1).
An upstream chart repository or OCI registry cannot be reached here; tests/pulumi/test_parity.py covers those
sources for every reader.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.apply_helpers import CHARTS, PROFILES, named_yaml, uninstall

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STYLES = {
    "chart-dir": ("", True),
    "mirror": (f"mirror: {{charts: '{CHARTS}', kustomize: '{CHARTS}'}}\n", False),
    "kustomize-mirror": (f"mirror: {{kustomize: '{CHARTS}'}}\n", True),
}


def _run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("profile", PROFILES)
def test_drift_is_clean_after_apply_with_every_mirror_style(profile: str, cluster_env: dict[str, str],
                                                            tmp_path: Path) -> None:
    from planner.commands.options import load_plan

    env = {**cluster_env, "PYTHONPATH": str(ROOT)}
    cli = (sys.executable, "-m", "planner")
    plan = None
    try:
        for style, (mirror, chart_dir) in STYLES.items():
            stack = tmp_path / f"{style}.yaml"
            stack.write_text(f"profile: {profile}\n{mirror}" + named_yaml(profile))
            plan = load_plan(str(stack), None, chart_dir=CHARTS if chart_dir else None)
            apply = (*cli, "apply", "-f", str(stack), "--timeout", "3m",
                     *(("--chart-dir", str(CHARTS)) if chart_dir else ()))
            done = _run(env, *apply)
            if done.returncode != 0:
                done = _run(env, *apply)  # re-running is safe; a fresh object can race `kubectl wait` once
            assert done.returncode == 0, f"{style}: apply failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            drift = _run(env, *cli, "drift", "-f", str(stack), "-o", "json")
            assert drift.returncode in (0, 1), drift.stderr
            report = json.loads(drift.stdout)
            problems = [(f["checkId"], f["component"], f["message"]) for f in report["findings"]
                        if f["outcome"] in ("FAILED", "UNKNOWN")]
            assert drift.returncode == 0 and problems == [], f"{profile} / {style}: {problems}"
            kinds = {f["component"]: f["subject"]["kind"] for f in report["findings"] if f["checkId"] == "DR001"}
            assert set(kinds) == set(plan.releases)
            assert {c for c, k in kinds.items() if k == "Kustomization"} == {
                r.id for r in plan.releases.values() if r.how.kustomize}
    finally:
        if plan is not None:
            uninstall(plan, cluster_env)
