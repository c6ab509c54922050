"""`stackplan init`: the files it writes, and re-runs that never lose a user's edits."""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from planner.catalog import load_catalog
from planner.emit.project import file_digest
from planner.emit.scaffold import MANIFEST, WORKFLOW
from planner.model import DEFAULT_WORKLOAD_NAMESPACE, StackSpec
from planner.resolve import resolve
from planner.stackfile import load_stack
from planner.values import parse_set
from tests.cli_helpers import run_cli

EXPECTED = {"Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "stackplan.yaml", "requirements.txt", "README.md",
            WORKFLOW, ".gitignore", MANIFEST}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def yaml_load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def test_init_into_an_empty_dir_writes_a_complete_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "proj"
    sets = ("gpu-operator.driver.enabled=false", "mlflow.replicaCount=2", "mlflow.artifactRoot.s3.bucket=acme-art",
            "mlflow.backendStore.postgres.host=pg.acme.internal")
    flags = [arg for s in sets for arg in ("--set", s)]
    res = run_cli(capsys, "init", "--profile", "training-team", "--dir", str(target), *flags)
    assert res.code == 0, res.err
    files = snapshot(target)
    assert set(files) == EXPECTED
    manifest = json.loads(files[MANIFEST])
    assert manifest["profile"] == "training-team" and manifest["stack"] == "dev"
    assert manifest["files"] == {k: file_digest(v) for k, v in files.items() if k != MANIFEST}
    assert "created" in res.out and "wrote 8 file(s)" in res.out
    umask = os.umask(0)
    os.umask(umask)
    for rel in files:  # ordinary files a user commits, not 0600 temp files
        assert (target / rel).stat().st_mode & 0o777 == 0o666 & ~umask, rel

    # the commented stackplan.yaml is valid and is the same stack as --profile + --set
    stack = load_stack(target / "stackplan.yaml")
    catalog = load_catalog()
    from_file = resolve(catalog, stack)
    from_flags = resolve(catalog, StackSpec(profile="training-team"), [parse_set(s) for s in sets])
    assert from_file.to_dict()["digest"] == from_flags.to_dict()["digest"]
    assert from_file.releases["gpu-operator"].values["driver"]["enabled"] is False
    text = (target / "stackplan.yaml").read_text()
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "stack.schema.json").read_text())
    for key in [*schema["properties"], *schema["properties"]["cluster"]["properties"],
                *schema["properties"]["cluster"]["properties"]["gpu"]["properties"],
                *schema["properties"]["models"]["items"]["properties"], *schema["properties"]["mirror"]["properties"]]:
        assert f"{key}:" in text, f"stackplan.yaml does not explain `{key}`"

    project = yaml_load(target / "Pulumi.yaml")
    assert project["name"] == "proj"  # the directory's name: a later init with another profile keeps the project
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    config = yaml_load(target / "Pulumi.dev.yaml")["config"]
    assert config["stackplan:stackFile"] == "stackplan.yaml" and config["stackplan:phase"] == "all"
    assert "stackplan:workloadNamespace" not in config  # deprecated: the stack file's workloadNamespace
    assert f"workloadNamespace: {DEFAULT_WORKLOAD_NAMESPACE}\n" in text
    assert not any("token" in k.lower() or "secret" in k.lower() for k in config), "no secrets in plain config"

    reqs = (target / "requirements.txt").read_text().splitlines()
    for dist in ("pulumi", "pulumi-kubernetes"):  # what this stackplan runs (and its lock tested) with
        assert f"{dist}=={metadata.version(dist)}" in reqs
    from tests.conftest import TEST_REQUIREMENT

    pins = [r for r in reqs if r.split()[:1] == ["stackplan"] or r.startswith("stackplan=")]
    assert pins == [TEST_REQUIREMENT], "STACKPLAN_REQUIREMENT (the tests' environment) is the requirement"

    workflow = yaml_load(target / WORKFLOW)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in triggers and triggers["schedule"][0]["cron"]
    pr, cluster = workflow["jobs"]["pull-request"], workflow["jobs"]["cluster"]
    pr_runs = " ".join(s.get("run", "") for s in pr["steps"])
    assert "stackplan validate -f stackplan.yaml" in pr_runs and "--diff-ref" in pr_runs
    assert "drift" not in pr_runs and "check" not in pr_runs, "a pull request is not compared with the cluster"
    preview = next(s for s in pr["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert preview["with"]["command"] == "preview" and preview["with"]["stack-name"] == "dev"
    assert preview["with"]["pulumi-version"] == metadata.version("pulumi")
    cluster_runs = " ".join(s.get("run", "") for s in cluster["steps"])
    assert "stackplan drift -f stackplan.yaml --output github" in cluster_runs
    assert "pull_request" not in cluster["if"] and "schedule" in cluster["if"]


def test_required_settings_are_written_commented_and_validate_points_at_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11: full-mlops needs an S3 bucket and a database server only the user can name; init writes empty,
    commented settings and lists what must exist before install; validate fails on those lines until filled."""
    assert run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path)).code == 0
    stack = tmp_path / "stackplan.yaml"
    lines = stack.read_text().splitlines()
    bucket = next(i for i, ln in enumerate(lines, 1) if ln.strip().startswith("bucket:"))
    assert 'bucket: ""' in lines[bucket - 1] and "# REQUIRED" in lines[bucket - 1]
    header = "\n".join(lines[:bucket])
    host = next(i for i, ln in enumerate(lines, 1) if ln.strip().startswith("host:"))
    assert 'host: ""' in lines[host - 1] and "# REQUIRED" in lines[host - 1]
    for item in ("Bucket (not named yet)", "Secret mlflow/mlflow-s3 (keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
                 "Database (not named yet)", "Secret mlflow/mlflow-database (keys username, password)",
                 "StorageClass"):
        assert item in header, item
    res = run_cli(capsys, "validate", "-f", str(stack))
    assert res.code == 2 and f"{stack}:{bucket}:" in res.err and f"{stack}:{host}:" in res.err
    stack.write_text(stack.read_text().replace('bucket: ""', "bucket: acme-mlflow-artifacts", 1))
    res = run_cli(capsys, "validate", "-f", str(stack))
    assert res.code == 2 and f"{stack}:{host}:" in res.err and "backendStore.postgres.host" in res.err
    stack.write_text(stack.read_text().replace('host: ""', "host: pg.acme.internal", 1))
    res = run_cli(capsys, "validate", "-f", str(stack))
    assert res.code == 0, res.err


def test_rerun_on_its_own_output_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    before = snapshot(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path))
    assert res.code == 0 and "no changes" in res.out
    assert snapshot(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == mtimes


def test_user_edits_are_kept_refused_or_replaced_with_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    stack = tmp_path / "stackplan.yaml"
    edited = stack.read_text().replace("nodes: 1 ", "nodes: 4 ")
    stack.write_text(edited)

    # init's output for the file did not change: the user's version stays, nothing to do
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path))
    assert res.code == 0 and "kept      stackplan.yaml" in res.out and stack.read_text() == edited

    # init now wants to change it: refused, exit 2, nothing written at all
    before = snapshot(tmp_path)
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path), "--set", "kubeai.replicaCount=2")
    assert res.code == 2 and "stackplan.yaml" in res.err and "--force" in res.err and "Traceback" not in res.err
    assert snapshot(tmp_path) == before

    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path), "--set", "kubeai.replicaCount=2",
                  "--force")
    assert res.code == 0 and "replaced  stackplan.yaml" in res.out
    assert "replicaCount: 2" in stack.read_text() and "nodes: 4 " not in stack.read_text()
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path), "--set", "kubeai.replicaCount=2")
    assert res.code == 0 and "no changes" in res.out


def test_unedited_files_follow_a_new_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    project = yaml_load(tmp_path / "Pulumi.yaml")["name"]
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path))
    assert res.code == 0 and "updated   stackplan.yaml" in res.out
    assert load_stack(tmp_path / "stackplan.yaml").profile == "full-mlops"
    assert yaml_load(tmp_path / "Pulumi.yaml")["name"] == project, "the Pulumi project (and its stacks) stays"


def test_foreign_non_empty_dir_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text("# someone else's project\n")
    before = snapshot(tmp_path)
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path))
    assert res.code == 2 and "not a stackplan project" in res.err and "main.tf" in res.err
    assert snapshot(tmp_path) == before


def test_a_git_only_dir_is_not_foreign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    assert run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path)).code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("-p", "no-such-profile"), "unknown profile"),
    (("-p", "training-team", "--stack-name", "bad name"), "not a valid Pulumi stack name"),
    (("-p", "training-team", "--set", "nope.x=1"), "unknown component"),
    (("-p", "training-team", "--set", "kubeai.x=1"), "not in this plan"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              args: tuple[str, ...], message: str) -> None:
    target = tmp_path / "p"
    res = run_cli(capsys, "init", "--dir", str(target), *args)
    assert res.code == 2 and message in res.err and "Traceback" not in res.err
    assert not target.exists()


def test_init_never_imports_pulumi(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom planner.cli import main\n"
            "try:\n    main(['init', '-p', 'full-mlops', '--dir', sys.argv[1]])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_kubernetes', 'kr8s')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p")], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
