"""The planning commands on the real catalog, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

PROFILES = ["training-team", "llm-inference", "full-mlops"]


@pytest.mark.parametrize("profile", PROFILES)
def test_plan_json_has_the_documented_fields(profile: str, capsys) -> None:
    result = run_cli(capsys, "plan", "--profile", profile, "--output", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["profile"] == profile
    assert plan["kubernetesVersion"] == "1.35"
    ids = {r["id"] for r in plan["releases"]}
    assert ids == {rid for wave in plan["waves"] for rid in wave}
    position = {rid: i for i, wave in enumerate(plan["waves"]) for rid in wave}
    for r in plan["releases"]:
        assert {"id", "component", "source", "chart", "version", "namespace", "needs", "values",
                "valuesDigest"} <= set(r)
        assert r["valuesDigest"].startswith("sha256:")
        for need in r["needs"]:
            assert position[need] < position[r["id"]], (r["id"], need)
    assert isinstance(plan["notes"], list)


def test_plan_is_byte_identical_across_processes(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "XDG_CACHE_HOME": str(tmp_path / seed)}
        outs.append(subprocess.run([sys.executable, "-m", "planner", "plan", "--profile", "full-mlops", "-o", "json"],
                                   env=env, capture_output=True, check=True, timeout=60).stdout)
    assert outs[0] == outs[1] and outs[0]


def test_table_output_lists_waves_and_reasons(capsys) -> None:
    result = run_cli(capsys, "plan", "--profile", "llm-inference")
    assert result.code == 0, result.err
    assert "gpu-operator" in result.out and "kubeai" in result.out
    assert result.out.rstrip().endswith("2 releases in 1 wave")


def test_yaml_output_round_trips_to_the_json(capsys) -> None:
    from ruamel.yaml import YAML

    as_json = json.loads(run_cli(capsys, "plan", "--profile", "training-team", "-o", "json").out)
    as_yaml = YAML(typ="safe").load(run_cli(capsys, "plan", "--profile", "training-team", "-o", "yaml").out)
    assert as_yaml == as_json


def test_profiles_and_components_list_the_catalog(capsys) -> None:
    profiles = json.loads(run_cli(capsys, "profiles", "-o", "json").out)
    assert [p["name"] for p in profiles] == sorted(PROFILES)
    components = json.loads(run_cli(capsys, "components", "-o", "json").out)
    assert {"gpu-operator", "kueue", "kserve", "kubeai"} <= {c["id"] for c in components}
    assert "gpu-operator" in run_cli(capsys, "components").out


def test_images_lists_every_image_once(capsys) -> None:
    result = run_cli(capsys, "images", "--profile", "llm-inference")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines and len(lines) == len(set(lines)) and lines == sorted(lines)
    assert any(line.startswith("nvcr.io/nvidia/gpu-operator") for line in lines)
    data = json.loads(run_cli(capsys, "images", "--profile", "llm-inference", "-o", "json").out)
    assert {d["image"] for d in data} == set(lines)


def test_images_follow_the_mirror(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\nmirror:\n  images: registry.internal:5000/mirror\n")
    lines = run_cli(capsys, "images", "-f", str(stack)).out.splitlines()
    assert lines and all(line.startswith("registry.internal:5000/mirror/") for line in lines)


# the names only the user can give MLflow: its artifact bucket and its database server
NAMED = ("components: {mlflow: {values: {artifactRoot: {s3: {bucket: acme-mlflow-artifacts}}, "
         "backendStore: {postgres: {host: pg.acme.internal}}}}}\n")


def test_validate_refuses_a_name_only_the_user_can_give(tmp_path: Path, capsys) -> None:
    """full-mlops and training-team need an S3 bucket and a database server for MLflow: no default could be right
    (issue 11)."""
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: full-mlops\ncomponents:\n  mlflow:\n    values:\n      replicaCount: 1\n")
    result = run_cli(capsys, "validate", "-f", str(stack))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{stack}:4:" in result.err and "components.mlflow.values.artifactRoot.s3.bucket" in result.err
    assert "hint: create the bucket" in result.err
    plan = json.loads(run_cli(capsys, "plan", "-f", str(stack), "-o", "json").out)  # plan still shows it
    bucket = next(p for p in plan["prerequisites"] if p["kind"] == "Bucket")
    assert bucket["unset"] is True and bucket["name"] is None and bucket["component"] == "mlflow"
    s3 = next(r for r in plan["releases"] if r["id"] == "mlflow")["values"]["artifactRoot"]["s3"]
    assert "bucket" not in s3, "no default bucket (e.g. `mlflow`, in someone else's account)"
    table = run_cli(capsys, "plan", "-f", str(stack)).out
    assert "Before you install" in table and "REQUIRED, set components.mlflow.values.artifactRoot.s3.bucket" in table
    assert "REQUIRED, set components.mlflow.values.backendStore.postgres.host" in table
    stack.write_text("profile: full-mlops\n" + NAMED)
    assert run_cli(capsys, "validate", "-f", str(stack)).code == 0
    plan = json.loads(run_cli(capsys, "plan", "-f", str(stack), "-o", "json").out)
    assert next(p for p in plan["prerequisites"] if p["kind"] == "Bucket")["name"] == "acme-mlflow-artifacts"


def test_validate_reports_ok_and_warnings(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: training-team\ncluster:\n  kubernetesVersion: '1.36'\n" + NAMED)
    result = run_cli(capsys, "validate", "-f", str(stack))
    assert result.code == 0, result.err
    assert "valid (training-team" in result.out
    assert "warning: volcano" in result.err
    assert run_cli(capsys, "validate", "-f", str(stack), "--strict").code == 2


def test_drivers_preinstalled_turns_the_driver_off(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\ncluster:\n  gpu: {nodes: 2, driversPreinstalled: true}\n")
    plan = json.loads(run_cli(capsys, "plan", "-f", str(stack), "-o", "json").out)
    gpu = next(r for r in plan["releases"] if r["id"] == "gpu-operator")
    assert gpu["values"]["driver"]["enabled"] is False


def test_no_gpus_means_fake_gpu_operator(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\nchoices: {serving: vllm-stack}\ncluster:\n  gpu: {nodes: 0}\n")
    plan = json.loads(run_cli(capsys, "plan", "-f", str(stack), "-o", "json").out)
    ids = {r["id"] for r in plan["releases"]}
    assert "fake-gpu-operator" in ids and "gpu-operator" not in ids
    vllm = next(r for r in plan["releases"] if r["id"] == "vllm-stack")
    assert vllm["values"]["servingEngineSpec"]["runtimeClassName"] == ""


def test_images_mapping_pairs_upstream_with_mirror(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\nmirror:\n  images: registry.internal:5000/mirror\n")
    pairs = [line.split(" ") for line in run_cli(capsys, "images", "-f", str(stack), "-o", "mapping").out.splitlines()]
    assert pairs and all(len(p) == 2 for p in pairs)
    assert ["nvcr.io/nvidia/gpu-operator:v26.7.0", "registry.internal:5000/mirror/nvidia/gpu-operator:v26.7.0"] in [
        [a, b] for a, b in pairs if "gpu-operator:" in a]
    upstream = set(run_cli(capsys, "images", "--profile", "llm-inference").out.splitlines())
    assert {a for a, _ in pairs} == upstream


def test_stack_file_from_stdin(monkeypatch, capsys) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("profile: full-mlops\n" + NAMED))
    result = run_cli(capsys, "validate", "-f", "-")
    assert result.code == 0 and result.out.startswith("<stdin>: valid (full-mlops, 11 releases in 3 waves)")
    monkeypatch.setattr("sys.stdin", io.StringIO("profile: full-mlops\nclustr: {}\n"))
    result = run_cli(capsys, "plan", "-f", "-")
    assert result.code == 2 and "<stdin>:2:1: unknown key `clustr`" in result.err


def test_validate_lists_every_missing_name_at_once(tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: training-team\nchoices: {pipelines: metaflow}\n")
    result = run_cli(capsys, "validate", "-f", str(stack))
    assert result.code == 2 and "Traceback" not in result.err
    assert "components.mlflow.values.artifactRoot.s3.bucket" in result.err
    assert "components.metaflow-service.values.metaflow-ui.uiBackend.metaflowDatastoreSysRootS3" in result.err
