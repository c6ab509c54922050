"""`stackplan apply` creates the plan's custom resources on the real control plane, check and drift see them go,
and apply brings back a deleted CRD (template-rendered and from a chart's crds/ folder).

Stack: llm-inference (no GPU nodes: the GPU Operator, whose test chart ships its CRDs in crds/; KubeAI, whose
test chart renders models.kubeai.org from a template) with one Ollama model scaled to zero (minReplicas 0 is
healthy without a running KubeAI controller).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.commands.options import load_plan
from planner.report import Outcome
from tests.cli_helpers import run_cli
from tests.cluster.apply_helpers import CHARTS, kubectl_json, run, tool_env, uninstall

pytestmark = pytest.mark.cluster

STACK = """\
profile: llm-inference
models:
  - name: qwen-tiny
    source: ollama://qwen2.5:0.5b
    engine: ollama
    gpusPerReplica: 0
    replicas: 0
"""
MODEL_CRD = "models.kubeai.org"  # tests/charts/kubeai/templates/crds.yaml
FOLDER_CRD = "clusterpolicies.nvidia.com"  # tests/charts/gpu-operator/crds/crds.yaml


@pytest.fixture(scope="module")
def env(kubeconfig: str, testbin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    home = tmp_path_factory.mktemp("helm-home-resources")
    out = dict(os.environ)
    out.update(KUBECONFIG=kubeconfig, PATH=f"{testbin_dir}{os.pathsep}{out.get('PATH', '')}",
               HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
               HELM_DATA_HOME=str(home / "data"))
    return out


def cli(capsys, env, *args: str):
    with tool_env(env):
        return run_cli(capsys, *args, "--kubeconfig", env["KUBECONFIG"])


def hc050(env, plan):
    from planner.checks.runner import run_checks
    from planner.cluster import ClusterReader

    report = run_checks(plan, ClusterReader(env["KUBECONFIG"]), check_ids=["HC050"])
    return [f for f in report.findings if f.check_id == "HC050"]


def crd_exists(env, name: str) -> bool:
    return bool(run(env, "kubectl", "get", "crd", name, "--ignore-not-found", "-o", "name").strip())


def test_apply_creates_the_model_check_and_drift_see_it_go_apply_restores_crds(capsys, env, tmp_path):
    stack = tmp_path / "stackplan.yaml"
    stack.write_text(STACK)
    plan = load_plan(str(stack), None)
    assert {"kubeai", "gpu-operator"} <= set(plan.releases)
    assert FOLDER_CRD in plan.releases["gpu-operator"].crds and MODEL_CRD in plan.releases["kubeai"].crds
    kubeai_ns = plan.releases["kubeai"].namespace
    try:
        dry = run_cli(capsys, "apply", "-f", str(stack), "--chart-dir", str(CHARTS), "--dry-run")
        assert dry.code == 0 and f"Model/{kubeai_ns}/qwen-tiny" in dry.out

        first = cli(capsys, env, "apply", "-f", str(stack), "--chart-dir", str(CHARTS), "--timeout", "3m")
        assert first.code == 0, first.out + first.err
        assert f"Model/{kubeai_ns}/qwen-tiny" in first.out and "1 custom resource" in first.out
        model = kubectl_json(env, "get", "models.kubeai.org", "qwen-tiny", "-n", kubeai_ns)
        assert model["spec"]["url"] == "ollama://qwen2.5:0.5b" and model["spec"]["engine"] == "OLlama"
        assert model["spec"]["minReplicas"] == 0 and model["spec"]["resourceProfile"] == "cpu:1"
        labels, notes = model["metadata"]["labels"], model["metadata"]["annotations"]
        assert labels["app.kubernetes.io/managed-by"] == "stackplan" and labels["stackplan.dev/release"] == "kubeai"
        assert notes["stackplan.dev/values-digest"] == plan.releases["kubeai"].values_digest
        fields = kubectl_json(env, "get", "models.kubeai.org", "qwen-tiny", "-n", kubeai_ns, "--show-managed-fields")
        assert {(m["manager"], m["operation"]) for m in fields["metadata"]["managedFields"]} >= {("stackplan", "Apply")}

        assert [f.outcome for f in hc050(env, plan)] == [Outcome.PASSED]
        drift = cli(capsys, env, "drift", "-f", str(stack), "-o", "json")
        assert drift.code == 0, drift.out + drift.err

        run(env, "kubectl", "delete", "models.kubeai.org", "qwen-tiny", "-n", kubeai_ns, "--wait=true")
        [gone] = [f for f in hc050(env, plan) if f.is_problem]
        assert gone.outcome is Outcome.FAILED and gone.message == "KubeAI Model `qwen-tiny` missing"
        drift = cli(capsys, env, "drift", "-f", str(stack), "-o", "json")
        assert drift.code == 1, drift.out + drift.err
        problems = [f for f in json.loads(drift.out)["findings"] if f["outcome"] in ("FAILED", "UNKNOWN")]
        assert [(f["checkId"], f["message"]) for f in problems] == [("DR009", "Model qwen-tiny is missing")], problems

        run(env, "kubectl", "delete", "crd", MODEL_CRD, FOLDER_CRD, "--wait=true", "--timeout=120s")
        assert not crd_exists(env, MODEL_CRD) and not crd_exists(env, FOLDER_CRD)
        again = cli(capsys, env, "apply", "-f", str(stack), "--chart-dir", str(CHARTS), "--timeout", "3m")
        assert again.code == 0, again.out + again.err
        assert crd_exists(env, MODEL_CRD) and crd_exists(env, FOLDER_CRD)
        assert f"missing CustomResourceDefinition/{MODEL_CRD}" in again.out
        assert f"CRD(s) {FOLDER_CRD}" in again.out and "crds/" in again.out  # helm upgrade alone does not
        assert kubectl_json(env, "get", "models.kubeai.org", "qwen-tiny", "-n", kubeai_ns)["spec"]["minReplicas"] == 0
        assert [f.outcome for f in hc050(env, plan)] == [Outcome.PASSED]
        drift = cli(capsys, env, "drift", "-f", str(stack), "-o", "json")
        assert drift.code == 0, drift.out + drift.err
    finally:
        uninstall(plan, env)
