"""`stackplan plan --diff BASE.yaml` / `--diff-ref REF`: what changes between two stack files."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.model import StackSpec
from planner.plandiff import diff_plans, render_markdown, render_text
from planner.resolve import resolve
from planner.values import parse_set
from tests.cli_helpers import run_cli

BASE = "profile: llm-inference\n"
HEAD = """\
profile: llm-inference
choices: {ollama: ollama}
components:
  gpu-operator:
    values: {driver: {enabled: false}}
  kubeai: {enabled: false}
  vllm-stack: {enabled: true}
"""


def plan_of(*sets: str, profile: str = "llm-inference"):
    return resolve(load_catalog(), StackSpec(profile=profile), [parse_set(s) for s in sets])


def test_releases_versions_and_values_keys() -> None:
    base = plan_of()
    head = plan_of("gpu-operator.driver.enabled=false", "kubeai.replicaCount=2")
    moved = dataclasses.replace(head.releases["kubeai"], version="v9.9.9")
    head = dataclasses.replace(head, releases={**head.releases, "kubeai": moved})
    d = diff_plans(base, head, "base", "head")
    by_id = {r.id: r for r in d.releases}
    assert set(by_id) == {"gpu-operator", "kubeai"}, "unchanged releases are not listed"
    assert [(v.path, v.planned, v.live) for v in by_id["gpu-operator"].values] == [("driver.enabled", "true", "false")]
    assert by_id["kubeai"].fields == ("version",) and "replicaCount" in [v.path for v in by_id["kubeai"].values]
    assert "version: " in render_text(d) and "-> v9.9.9" in render_text(d)
    assert diff_plans(base, base, "a", "b").changed is False
    assert "no changes" in render_text(diff_plans(base, base, "a", "b"))


def test_added_and_removed_releases_and_no_base() -> None:
    base, head = plan_of(), plan_of(profile="full-mlops")
    d = diff_plans(base, head, "a", "b")
    changes = {r.id: r.change for r in d.releases}
    assert changes["kubeai"] == "removed" and changes["mlflow"] == "added"
    assert "profile llm-inference -> full-mlops" in d.stack
    fresh = diff_plans(None, head, "a", "b")
    assert {r.change for r in fresh.releases} == {"added"} and len(fresh.releases) == len(head.releases)


def test_secret_like_values_are_never_printed() -> None:
    base = plan_of()
    rel = base.releases["kubeai"]
    leaky = dataclasses.replace(rel, values={**rel.values, "auth": {"password": "hunter2-canary"}},
                                values_digest="changed")
    head = dataclasses.replace(base, releases={**base.releases, "kubeai": leaky})
    d = diff_plans(base, head, "a", "b")
    shown = render_text(d) + render_markdown(d) + json.dumps(d.to_dict())
    assert "values auth: added (***)" in shown and "hunter2-canary" not in shown


@pytest.fixture
def stack_files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "stackplan.yaml").write_text(HEAD)
    return tmp_path / "base.yaml", tmp_path / "stackplan.yaml"


def test_cli_diff_file_as_table_json_and_markdown(stack_files: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base, head = stack_files
    res = run_cli(capsys, "plan", "-f", str(head), "--diff", str(base))
    assert res.code == 0, res.err
    assert "vllm-stack" in res.out and "added" in res.out and "kubeai" in res.out and "removed" in res.out
    assert "driver.enabled: true -> false" in res.out and "choice ollama: none -> ollama" in res.out
    data = json.loads(run_cli(capsys, "plan", "-f", str(head), "--diff", str(base), "-o", "json").out)
    assert data["kind"] == "PlanDiff" and data["changed"] is True
    assert {r["id"]: r["change"] for r in data["releases"]}["vllm-stack"] == "added"
    md = run_cli(capsys, "plan", "-f", str(head), "--diff", str(base), "-o", "markdown").out
    assert md.startswith("### stackplan: plan diff") and "| `vllm-stack` |" in md


@pytest.mark.parametrize(("args", "message"), [
    (("--diff", "missing.yaml"), "no such file"),
    (("--diff", "base.yaml", "--diff-ref", "HEAD"), "pass one"),
    (("-o", "markdown"), "--diff"),
    (("--diff-ref", "HEAD"), "not in a git repository"),
])
def test_cli_diff_bad_input_is_exit_2(stack_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str) -> None:
    monkeypatch.chdir(stack_files[0].parent)
    res = run_cli(capsys, "plan", "-f", "stackplan.yaml", *args)
    assert res.code == 2 and message in res.err and "Traceback" not in res.err


def test_cli_diff_ref_reads_the_file_at_a_git_ref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    project = tmp_path / "repo" / "platform"  # the project in a subdirectory of the repository
    project.mkdir(parents=True)
    subprocess.run([*git, "init", "-q"], cwd=tmp_path / "repo", check=True)
    (project / "other.txt").write_text("x")
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "no stack yet"], cwd=project, check=True)
    (project / "stackplan.yaml").write_text(BASE)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=project, check=True)
    (project / "stackplan.yaml").write_text(HEAD)
    stack = str(project / "stackplan.yaml")

    res = run_cli(capsys, "plan", "-f", stack, "--diff-ref", "HEAD", "-o", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["base"] == "HEAD:stackplan.yaml"
    assert {r["id"]: r["change"] for r in data["releases"]} == {
        "gpu-operator": "changed", "kubeai": "removed", "ollama": "added", "vllm-stack": "added"}
    first = json.loads(run_cli(capsys, "plan", "-f", stack, "--diff-ref", "HEAD~1", "-o", "json").out)
    assert {r["change"] for r in first["releases"]} == {"added"} and "does not exist" in first["notes"][0]
    res = run_cli(capsys, "plan", "-f", stack, "--diff-ref", "no-such-branch")
    assert res.code == 2 and "no such commit" in res.err
