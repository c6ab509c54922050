"""The CI workflow `stackplan init` writes: valid against GitHub's published schema, and run step by step.

No GitHub runner (or `act`) runs here, so `run_job` plays the runner's part for what the workflow uses:
the job's `if:`, steps in order with `bash --noprofile --norc -eo pipefail` in the workspace, `env:` with
`${{ secrets.* }}` and `${{ github.* }}`, `$GITHUB_PATH`, `$GITHUB_STEP_SUMMARY`, and a step's
`if: ${{ !cancelled() }}` after a failure. Every `run:` command runs for real with the real stackplan
(the project's own vendored wheel, installed into the venv the workflow creates). Replaced at their
boundary: actions/checkout (a shallow clone of a local "origin" at the pull request's head),
actions/setup-python (this machine's Python; the venv sees the installed dependencies, so nothing is
downloaded), pulumi/actions (its inputs are recorded, no Pulumi engine runs) and upload-artifact.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from planner.emit.scaffold import WORKFLOW
from tests.cli_helpers import run_cli

PROFILES = ["training-team", "llm-inference", "full-mlops"]
GIT = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]


def load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text())
    if True in data:  # YAML 1.1 readers take `on` for a boolean; the schema (and GitHub) mean the key "on"
        data["on"] = data.pop(True)
    return data


def github_schema() -> dict[str, Any]:
    """SchemaStore's github-workflow.json, as vendored by check-jsonschema (a test dependency)."""
    import check_jsonschema

    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "github-workflows.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize("profile", PROFILES)
def test_workflow_is_valid_against_githubs_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  profile: str) -> None:
    from jsonschema.validators import validator_for

    assert run_cli(capsys, "init", "-p", profile, "--dir", str(tmp_path)).code == 0
    schema = github_schema()
    validator = validator_for(schema)(schema)
    workflow = load(tmp_path / WORKFLOW)
    assert not [e.message for e in validator.iter_errors(workflow)]
    broken = json.loads(json.dumps(workflow))
    broken["jobs"]["cluster"]["steps"][0]["runs"] = "typo"  # the schema is strict enough to catch a typo
    assert list(validator.iter_errors(broken))
    steps = [step.get("name") or step.get("uses") for step in workflow["jobs"]["pull-request"]["steps"]]
    assert steps.index("Preflight") < steps.index("Preview"), "preflight gates the preview"


def test_a_push_never_cancels_the_scheduled_cluster_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GitHub cancels a run whose concurrency group (evaluated per run) matches a newer one with cancel-in-progress:
    only a pull request's newer push may replace its run; a push to main and the daily schedule do not collide."""
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    conc = load(tmp_path / WORKFLOW)["concurrency"]

    def group(event: str, ref: str) -> str:
        names = {"github.event_name": event, "github.ref": ref}
        return re.sub(r"\$\{\{\s*(github\.[a-z_]+)\s*\}\}", lambda m: names[m.group(1)], conc["group"])

    main = "refs/heads/main"
    assert group("push", main) != group("schedule", main) != group("workflow_dispatch", main)
    assert group("pull_request", "refs/pull/7/merge") != group("pull_request", "refs/pull/8/merge")
    ctx = Context(event="pull_request", ref="refs/pull/7/merge", workspace=tmp_path)
    assert evaluate(conc["cancel-in-progress"], ctx)
    for event in ("push", "schedule", "workflow_dispatch"):
        assert not evaluate(conc["cancel-in-progress"], Context(event=event, ref=main, workspace=tmp_path))


# --- a tiny runner ----------------------------------------------------------------------------------------

@dataclass
class Context:
    event: str
    ref: str
    workspace: Path
    default_branch: str = "main"
    base_ref: str = ""
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class StepResult:
    name: str
    code: int | None  # None: skipped
    out: str = ""


def evaluate(expr: str, ctx: Context, failed: bool = False) -> bool:
    """The expressions this workflow uses: ==, ||, &&, !, format(), cancelled(), github.* lookups."""
    expr = expr.strip()
    if expr.startswith("${{"):
        expr = expr[3:-2].strip()
    names = {
        "github.event_name": ctx.event, "github.ref": ctx.ref,
        "github.event.repository.default_branch": ctx.default_branch,
    }
    py = re.sub(r"github(?:\.[A-Za-z_]+)+", lambda m: repr(names[m.group(0)]), expr)
    py = py.replace("||", " or ").replace("&&", " and ").replace("!cancelled()", "True")
    py = py.replace("format(", "fmt(")
    assert "!" not in py.replace("!=", ""), f"unsupported expression: {expr}"
    return bool(eval(py, {"__builtins__": {}}, {"fmt": lambda f, *a: f.format(*a), "success": lambda: not failed}))


def substitute(text: str, ctx: Context) -> str:
    values = {"github.workspace": str(ctx.workspace), **{f"secrets.{k}": v for k, v in ctx.secrets.items()}}
    return re.sub(r"\$\{\{\s*([A-Za-z_.]+)\s*\}\}", lambda m: values[m.group(1)], text)


def run_job(workflow: dict[str, Any], job: str, ctx: Context, python_dir: Path,
            recorded: list[dict[str, Any]]) -> list[StepResult] | None:
    spec = workflow["jobs"][job]
    if not evaluate(spec.get("if", "true"), ctx):
        return None
    summary, path_file = ctx.workspace.parent / "summary.md", ctx.workspace.parent / "path.txt"
    summary.write_text("")
    path_file.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "STACKPLAN_", "KUBECONFIG"))}
    env.update({"GITHUB_EVENT_NAME": ctx.event, "GITHUB_REF": ctx.ref, "GITHUB_BASE_REF": ctx.base_ref,
                "GITHUB_WORKSPACE": str(ctx.workspace), "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_PATH": str(path_file), "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "COLUMNS": "120"})
    env.update({k: substitute(str(v), ctx) for k, v in (workflow.get("env") or {}).items()})
    results: list[StepResult] = []
    failed = False
    for step in spec["steps"]:
        name = step.get("name") or step.get("uses")
        if "if" in step:
            if not evaluate(step["if"], ctx, failed):
                results.append(StepResult(name, None))
                continue
        elif failed:
            results.append(StepResult(name, None))
            continue
        if "uses" in step:
            action = step["uses"].split("@")[0]
            if action == "actions/setup-python":
                env["PATH"] = f"{python_dir}:{env['PATH']}"
            recorded.append({"uses": step["uses"], "with": step.get("with") or {}})
            results.append(StepResult(name, 0))
            continue
        extra_path = [p for p in path_file.read_text().splitlines() if p]
        step_env = {**env, **{k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()}}
        step_env["PATH"] = ":".join([*reversed(extra_path), env["PATH"]])
        script = ctx.workspace.parent / "step.sh"
        script.write_text(step["run"])
        out = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=ctx.workspace,
                             env=step_env, capture_output=True, text=True, timeout=300, check=False)
        results.append(StepResult(name, out.returncode, out.stdout + out.stderr))
        failed = failed or out.returncode != 0
    return results


def python_shim(directory: Path) -> Path:
    """setup-python's `python`: this interpreter; `python -m venv` gets --system-site-packages (no downloads)."""
    directory.mkdir()
    shim = directory / "python"
    shim.write_text(f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then shift 2; exec {sys.executable} -m venv --system-site-packages "$@"; fi
exec {sys.executable} "$@"
""")
    shim.chmod(0o755)
    return directory


def git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, Any]]:
    """A project (vendored wheel: it installs offline) on `main` in a local origin, and a pull request
    branch `pr` that changes values and enables a component."""
    work = tmp_path / "work"
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(work), "--vendor")
    assert res.code == 0, res.err
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "stackplan init")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(origin))
    git(work, "remote", "add", "origin", str(origin))
    git(work, "checkout", "-qb", "pr")
    stack = work / "stackplan.yaml"
    stack.write_text(stack.read_text().replace("components: {}", "components:\n  gpu-operator:\n    values:\n"
                                               "      driver: {enabled: false}\n  ollama: {enabled: true}", 1))
    git(work, "commit", "-qam", "drivers are preinstalled; add ollama")
    git(work, "push", "-q", "origin", "pr")
    return tmp_path, load(work / WORKFLOW)


def checkout(root: Path, branch: str) -> Path:
    """actions/checkout@v4: a depth-1 clone of the ref the event is for, `origin` pointing at the remote."""
    ws = root / f"ws-{branch}" / "repo"
    ws.parent.mkdir()
    git(root, "clone", "-q", "--depth", "1", "--branch", branch, f"file://{root / 'origin.git'}", str(ws))
    return ws


def unreachable_kubeconfig() -> str:
    """A kubeconfig for a loopback port nothing listens on: the cluster boundary, unreachable."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return (f"apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
            "current-context: c\n")


def run_pull_request(root: Path, workflow: dict[str, Any], kubeconfig: str,
                     recorded: list[dict[str, Any]]) -> dict[str, StepResult]:
    ws = checkout(root, "pr")
    ctx = Context("pull_request", "refs/pull/1/merge", ws, base_ref="main",
                  secrets={"KUBECONFIG": kubeconfig, "PULUMI_ACCESS_TOKEN": "pul-test"})
    assert run_job(workflow, "cluster", ctx, root, recorded) is None, "no cluster comparison on a pull request"
    steps = run_job(workflow, "pull-request", ctx, python_shim(root / "py"), recorded)
    assert steps is not None
    by_name = {s.name: s for s in steps}
    assert by_name["Validate"].code == 0 and by_name["Plan diff"].code == 0, [(s.name, s.out[-2000:]) for s in steps]
    assert "Drift" not in by_name
    assert "venv" in (ws / "venv" / "bin" / "stackplan").read_text(), "the workflow's own venv runs stackplan"
    summary = (root / "ws-pr" / "summary.md").read_text()
    assert summary.startswith("### stackplan: plan diff")
    assert "driver.enabled: true -> false" in summary and "| `ollama` | added:" in summary
    return by_name


@pytest.mark.slow
def test_pull_request_job_validates_diffs_and_stops_at_preflight_when_the_cluster_is_unreachable(
        repository: tuple[Path, dict[str, Any]]) -> None:
    """The passing case, preflight against a ready cluster and then the preview, is in
    tests/cluster/test_workflow_cluster.py (it needs the control plane)."""
    root, workflow = repository
    recorded: list[dict[str, Any]] = []
    by_name = run_pull_request(root, workflow, unreachable_kubeconfig(), recorded)
    assert by_name["Preflight"].code == 3 and "127.0.0.1" in by_name["Preflight"].out, by_name["Preflight"].out
    assert by_name["Preview"].code is None, "the preview does not run after a failed preflight"
    assert not [r for r in recorded if r["uses"].startswith("pulumi/actions@")]


@pytest.mark.slow
def test_cluster_job_runs_after_merge_and_its_exit_codes_gate_it(repository: tuple[Path, dict[str, Any]]) -> None:
    root, workflow = repository
    work = root / "work"
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--ff-only", "pr")
    git(work, "push", "-q", "origin", "main")
    ws = checkout(root, "main")
    secrets = {"KUBECONFIG": unreachable_kubeconfig(), "PULUMI_ACCESS_TOKEN": "pul-test"}
    for event, ref, runs in (("push", "refs/heads/main", True), ("push", "refs/heads/pr", False),
                             ("schedule", "refs/heads/main", True), ("pull_request", "refs/pull/1/merge", False)):
        assert evaluate(workflow["jobs"]["cluster"]["if"], Context(event, ref, ws)) is runs, (event, ref)
    recorded: list[dict[str, Any]] = []
    steps = run_job(workflow, "cluster", Context("push", "refs/heads/main", ws, secrets=secrets),
                    python_shim(root / "py"), recorded)
    assert steps is not None
    by_name = {s.name: s for s in steps}
    assert by_name["Install"].code == 0, by_name["Install"].out[-2000:]
    assert by_name["Health check"].code == 3 and "127.0.0.1" in by_name["Health check"].out, "unreachable: exit 3"
    assert by_name["Drift"].code == 3, "drift runs after a failed check, and gates the job too"
    assert by_name["Upload reports"].code == 0
    upload = next(r for r in recorded if r["uses"].startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "reports/"
