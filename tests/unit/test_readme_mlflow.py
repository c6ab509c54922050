"""The README's opt-in for MLflow's bundled PostgreSQL is a stack file snippet a user pastes: it must plan the
bundled database (its StatefulSet and Secret) and no external one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli_helpers import run_cli

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_snippet_switches_mlflow_to_the_bundled_postgresql(tmp_path: Path, capsys) -> None:
    text = README.read_text()
    section = text[text.index("**MLflow's database.**"):]
    snippet = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert snippet, "README: the MLflow database section lost its yaml block"
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: training-team\n" + snippet.group(1)
                     + "      artifactRoot: {s3: {bucket: acme-mlflow-artifacts}}\n")
    assert run_cli(capsys, "validate", "-f", str(stack)).code == 0
    plan = run_cli(capsys, "plan", "-f", str(stack), "-o", "json")
    data = json.loads(plan.out)
    mlflow = next(r for r in data["releases"] if r["id"] == "mlflow")
    assert any(w["name"] == "mlflow-postgresql" for w in mlflow["workloads"])
    kinds = {(p["kind"], p["name"]) for p in data["prerequisites"] if p["component"] == "mlflow"}
    assert ("Secret", "mlflow-postgresql") in kinds and not any(k == "Database" for k, _ in kinds)
