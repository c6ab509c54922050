"""The generated `__main__.py`, run under mocks the way `pulumi up` runs it (runpy on the project dir)."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest

from planner.catalog import load_catalog
from planner.resolve import resolve
from planner.stackfile import load_stack
from tests.cli_helpers import run_cli
from tests.pulumi.harness import install_mocks, run, secret_values, unwrapped_strings
from tests.user_names import fill_init_blanks

TOKEN = "hf_program_test_token_42"


@pytest.fixture(autouse=True)
def _clean_config() -> Iterator[None]:
    pulumi.runtime.set_all_config({})
    yield
    pulumi.runtime.set_all_config({})


def make_project(tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str) -> Path:
    project = tmp_path / profile
    assert run_cli(capsys, "init", "-p", profile, "--dir", str(project)).code == 0
    fill_init_blanks(project / "stackplan.yaml")
    return project


def run_program(project: Path, config: dict[str, str], secret_keys: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    pulumi.runtime.set_all_config(config, list(secret_keys))
    _, rec = install_mocks()
    namespace: dict[str, object] = {}
    run(lambda: namespace.update(runpy.run_path(str(project), run_name="__main__")))
    return rec, namespace


@pytest.mark.parametrize("profile", ["training-team", "llm-inference", "full-mlops"])
def test_generated_program_builds_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str) -> None:
    project = make_project(tmp_path, capsys, profile)
    stack = project / "stackplan.yaml"
    if profile != "training-team":  # no serving layer there: the resolver refuses models
        stack.write_text(stack.read_text().replace("models: []", "models:\n  - name: qwen\n    source: hf://Qwen/Q"))
    rec, namespace = run_program(project, {"stackplan:stackFile": "stackplan.yaml",
                                           "stackplan:huggingfaceToken": TOKEN}, ("stackplan:huggingfaceToken",))
    plan = resolve(load_catalog(), load_stack(stack))
    assert namespace["plan"] == plan
    helm = {r.id for r in plan.ordered() if r.source.kind != "kustomize"}
    assert set(rec.releases()) == helm
    for rid, reg in rec.releases().items():
        assert reg.inputs["name"] == rid and rec.release_deps(reg) == set(plan.releases[rid].needs), reg.urn
    for reg in rec.items:
        assert TOKEN not in unwrapped_strings(reg.wire), f"{reg.urn} carries the token in plain text"
    if "kubeai" in plan.releases:  # the blueprint has the chart read an existing Secret: stackplan creates it
        secret = rec.named("kubernetes:core/v1:Secret", "secret-kubeai-kubeai-huggingface")
        assert secret.inputs["stringData"] == {"token": TOKEN} and TOKEN in secret_values(secret.wire)
        kubeai = rec.releases()["kubeai"]
        assert TOKEN not in str(kubeai.wire), "the token must stay out of Helm values and release records"
        assert secret.urn in kubeai.dependencies
        assert rec.named("kubernetes:kubeai.org/v1:Model", "model-kubeai-qwen")


def test_phase_operators_from_stack_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, capsys, "training-team")
    rec, _ = run_program(project, {"stackplan:phase": "operators"})
    assert rec.releases() and not [r for r in rec.items if "kueue.x-k8s.io" in r.type]
    rec, _ = run_program(project, {"stackplan:phase": "all"})
    assert [r for r in rec.items if r.type == "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"]


def test_s3_credentials_become_the_secrets_the_charts_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, capsys, "full-mlops")
    with pytest.raises(pulumi.RunError, match="s3SecretAccessKey is not set"):
        run_program(project, {"stackplan:s3AccessKeyId": "AKIA_T"}, ("stackplan:s3AccessKeyId",))
    keys = ("stackplan:s3AccessKeyId", "stackplan:s3SecretAccessKey")
    rec, _ = run_program(project, {keys[0]: "AKIA_T", keys[1]: "s3cr3t"}, keys)
    # the Secret the mlflow values name, with the keys they name (blueprints/mlflow.yaml: mlflow-s3)
    mlflow_values = rec.releases()["mlflow"].inputs["values"]["artifactRoot"]["s3"]["existingSecret"]
    secret = rec.named("kubernetes:core/v1:Secret", f"secret-mlflow-{mlflow_values['name']}")
    assert secret.inputs["stringData"] == {mlflow_values["keyOfAccessKeyId"]: "AKIA_T",
                                           mlflow_values["keyOfSecretAccessKey"]: "s3cr3t"}
    assert secret_values(secret.wire) >= {"AKIA_T", "s3cr3t"}
    assert secret.urn in rec.releases()["mlflow"].dependencies
    for reg in rec.items:
        assert "s3cr3t" not in unwrapped_strings(reg.wire), reg.urn


def test_a_bad_stack_file_is_a_pulumi_error_with_the_location(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, capsys, "llm-inference")
    stack = project / "stackplan.yaml"
    stack.write_text(stack.read_text().replace("  serving: kubeai", "  serving: kubeaii"))
    with pytest.raises(pulumi.RunError) as err:
        run_program(project, {})
    assert "stackplan.yaml:" in str(err.value) and "kubeaii" in str(err.value) and "kubeai" in str(err.value)


# The __main__.py `stackplan init` wrote before planner.pulumi.program() existed (issue #18): committed user
# projects still hold it, so the internal entry points it calls must keep working.
OLD_MAIN = '''\
from pathlib import Path

import pulumi

from planner.catalog import load_catalog
from planner.emit.pulumi import build
from planner.errors import StackplanError
from planner.resolve import resolve
from planner.stackfile import load_stack

stack_file = Path(__file__).parent / (pulumi.Config("stackplan").get("stackFile") or "stackplan.yaml")
try:
    plan = resolve(load_catalog(), load_stack(stack_file))
except StackplanError as e:
    raise pulumi.RunError(e.render()) from None

build(plan)
pulumi.export("profile", plan.profile)
'''


def test_the_generated_program_calls_only_the_public_entry_point(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, capsys, "training-team")
    code = (project / "__main__.py").read_text()
    imported = {line.split()[1] for line in code.splitlines() if line.startswith(("import ", "from "))}
    assert imported == {"pathlib", "planner.pulumi"}
    assert "planner.pulumi.program(" in code
    rec, namespace = run_program(project, {})
    assert namespace["plan"] == resolve(load_catalog(), load_stack(project / "stackplan.yaml"))
    (project / "__main__.py").write_text(OLD_MAIN)  # an older generated project
    old, namespace = run_program(project, {})
    assert set(old.releases()) == set(rec.releases()) and namespace["plan"].profile == "training-team"


def test_the_deprecated_workload_namespace_config_must_match_the_stack_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, capsys, "training-team")
    rec, _ = run_program(project, {"stackplan:workloadNamespace": "ml-workloads"})  # equal: a warning, no change
    assert rec.named("kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue", "localqueue-ml-workloads-default")
    with pytest.raises(pulumi.RunError, match="workloadNamespace: team-b"):
        run_program(project, {"stackplan:workloadNamespace": "team-b"})
    stack = project / "stackplan.yaml"
    stack.write_text(stack.read_text().replace("workloadNamespace: ml-workloads", "workloadNamespace: team-b"))
    rec, _ = run_program(project, {})
    assert rec.named("kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue", "localqueue-team-b-default")


def test_the_program_refuses_a_bucket_init_left_blank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pulumi up` of a freshly initialised training-team project stops with validate's message (file:line and
    the fix), instead of installing an MLflow that cannot store an artifact."""
    project = tmp_path / "training-team"
    assert run_cli(capsys, "init", "-p", "training-team", "--dir", str(project)).code == 0
    with pytest.raises(pulumi.RunError) as err:
        run_program(project, {"stackplan:stackFile": "stackplan.yaml"})
    stack = project / "stackplan.yaml"
    line = next(i for i, text in enumerate(stack.read_text().splitlines(), 1) if text.strip().startswith("bucket:"))
    assert f"{stack}:{line}:" in str(err.value) and "bucket is not set" in str(err.value)
