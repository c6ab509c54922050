"""End to end on the real control plane, one profile at a time: `stackplan apply` of the profile's plan from
the local test charts, the status the real operators would write (written here), `run_checks` finds it
healthy; then real breakages are made and `check` finds each one.

Status shapes written here follow the upstream APIs the checks cite: ClusterPolicy `.status.state`
(NVIDIA/gpu-operator api/nvidia/v1/clusterpolicy_types.go@v26.7.0), Kueue ClusterQueue/LocalQueue condition
`Active` (kubernetes-sigs/kueue apis/kueue/v1beta2@v0.19.2), Volcano Queue `.status.state: Open`
(volcano-sh/volcano scheduling/v1beta1 types.go@v1.15.1; the scheduler creates queues root and default),
cert-manager Certificate condition `Ready` (cert-manager.io/v1), KubeAI Model `.status.replicas`
(kubeai-project/kubeai api/k8s/v1/model_types.go).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from planner.report import Outcome
from tests.cli_helpers import run_cli
from tests.cluster.apply_helpers import CHARTS, kubectl_json, named, planned, run, tool_env, uninstall
from tests.fixtures_cluster import eventually

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def e2e_env(kubeconfig, testbin_dir, tmp_path_factory) -> dict[str, str]:
    import os

    home = tmp_path_factory.mktemp("helm-home-e2e")
    env = dict(os.environ)
    env.update(KUBECONFIG=kubeconfig, PATH=f"{testbin_dir}{os.pathsep}{env.get('PATH', '')}",
               HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
               HELM_DATA_HOME=str(home / "data"))
    return env


def kubectl(env, *args: str, stdin: str | None = None) -> str:
    return run(env, "kubectl", *args, stdin=stdin)


def create(env, obj: dict) -> None:
    kubectl(env, "apply", "--server-side", "--field-manager=e2e-test", "-f", "-", stdin=json.dumps(obj))


def set_status(env, resource: str, name: str, status: dict, namespace: str | None = None) -> None:
    ns = ["-n", namespace] if namespace else []
    kubectl(env, "patch", resource, name, *ns, "--subresource=status", "--type=merge",
            "-p", json.dumps({"status": status}))


def active(reason: str = "Ready") -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"conditions": [{"type": "Active", "status": "True", "reason": reason, "message": "Can admit new workloads",
                            "lastTransitionTime": now}]}


def ready_condition() -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready", "message": "ok",
                            "lastTransitionTime": now}]}


def operators_report_healthy(env, plan) -> None:
    """What the real controllers would write once running (the stand-ins run no process)."""
    members = set(plan.releases)
    if "gpu-operator" in members:
        set_status(env, "clusterpolicy", "cluster-policy", {"state": "ready"})
    if "volcano" in members:
        for q in ("root", "default"):
            create(env, {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": q},
                         "spec": {"weight": 1, "reclaimable": True}})
            set_status(env, "queues.scheduling.volcano.sh", q, {"state": "Open"})
        set_status(env, "queues.scheduling.volcano.sh", "stackplan", {"state": "Open"})  # created by apply
    if "kueue" in members:
        create(env, {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ResourceFlavor",
                     "metadata": {"name": "default-flavor"}})
        create(env, {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue", "metadata": {"name": "team"},
                     "spec": {"namespaceSelector": {}, "resourceGroups": [{"coveredResources": ["cpu"], "flavors": [
                         {"name": "default-flavor", "resources": [{"name": "cpu", "nominalQuota": 8}]}]}]}})
        set_status(env, "clusterqueues.kueue.x-k8s.io", "team", active())
        create(env, {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
                     "metadata": {"name": "team", "namespace": "default"}, "spec": {"clusterQueue": "team"}})
        set_status(env, "localqueues.kueue.x-k8s.io", "team", active(), "default")
        # the queues `stackplan apply` created (planner/desired/objects.py): status as Kueue would write it
        set_status(env, "clusterqueues.kueue.x-k8s.io", "stackplan", active())
        set_status(env, "localqueues.kueue.x-k8s.io", "default", active(), "ml-workloads")
    if "kserve" in members:
        set_status(env, "certificates.cert-manager.io", "serving-cert", ready_condition(), "kserve")
    if "kubeai" in members:
        rel = plan.releases["kubeai"]
        create(env, {"apiVersion": "kubeai.org/v1", "kind": "Model",
                     "metadata": {"name": "qwen", "namespace": rel.namespace},
                     "spec": {"url": "ollama://qwen2:0.5b", "engine": "OLlama", "features": ["TextGeneration"],
                              "resourceProfile": "cpu:1", "minReplicas": 0}})
        set_status(env, "models.kubeai.org", "qwen", {"replicas": {"all": 0, "ready": 0}}, rel.namespace)


def check(env, plan):
    from planner.checks.runner import run_checks
    from planner.cluster import ClusterReader

    return run_checks(plan, ClusterReader(env["KUBECONFIG"]))


def problems(report) -> list[str]:
    return [f"{f.check_id} {f.outcome} {f.subject}: {f.message} {list(f.evidence)}" for f in report.findings
            if f.outcome in (Outcome.FAILED, Outcome.UNKNOWN)]


def failed(report, check_id: str, name: str) -> list:
    return [f for f in report.findings if f.check_id == check_id and f.outcome == Outcome.FAILED
            and f.subject.name == name]


def found(env, plan, check_id: str, name: str, what: str) -> list:
    """Poll `run_checks` until it reports `check_id` FAILED for subject `name` (controllers react async)."""
    holder: list = []

    def probe() -> bool:
        holder[:] = failed(check(env, plan), check_id, name)
        return bool(holder)

    eventually(probe, timeout=60, what=what)
    return holder


def apply(capsys, env, profile: str) -> None:
    with tool_env(env):
        r = run_cli(capsys, "apply", "--profile", profile, *named(profile), "--chart-dir", str(CHARTS), "--kubeconfig",
                    env["KUBECONFIG"], "--timeout", "3m")
    assert r.code == 0, r.out + r.err


def cleanup_objects(env) -> None:
    for args in (("delete", "localqueues.kueue.x-k8s.io", "team", "-n", "default"),
                 ("delete", "clusterqueues.kueue.x-k8s.io", "team"),
                 ("delete", "resourceflavors.kueue.x-k8s.io", "default-flavor"),
                 ("delete", "queues.scheduling.volcano.sh", "root", "default")):
        run(env, "kubectl", *args, "--ignore-not-found", check=False)


# checks that must have PASSED findings (not just "nothing failed") once the profile is healthy
MUST_PASS = {
    "training-team": {"HC001", "HC002", "HC010", "HC011", "HC012", "HC013", "HC020", "HC021", "HC030", "HC070",
                      "HC071"},
    "llm-inference": {"HC001", "HC002", "HC010", "HC011", "HC012", "HC013", "HC050"},
    "full-mlops": {"HC001", "HC002", "HC003", "HC010", "HC011", "HC012", "HC030", "HC041", "HC070", "HC071"},
}


def healthy_then(capsys, env, profile: str, breakages: Callable[[object], None]) -> None:
    plan = planned(profile)
    try:
        apply(capsys, env, profile)
        operators_report_healthy(env, plan)
        report = check(env, plan)
        assert problems(report) == [], "\n".join(problems(report))
        passed = {f.check_id for f in report.findings if f.outcome == Outcome.PASSED}
        assert MUST_PASS[profile] <= passed, f"no PASSED finding for {sorted(MUST_PASS[profile] - passed)}"
        breakages(plan)
    finally:
        cleanup_objects(env)
        uninstall(plan, env)


def test_training_team_healthy_then_operator_scaled_to_zero_and_crd_deleted(capsys, e2e_env):
    env = e2e_env

    def breakages(plan) -> None:
        kubectl(env, "scale", "deployment/kueue-controller-manager", "-n", "kueue-system", "--replicas=0")
        [f] = found(env, plan, "HC002", "kueue-controller-manager", "HC002 on the scaled-down Kueue operator")
        assert any("replicas=0" in e for e in f.evidence)
        kubectl(env, "delete", "crd", "queues.scheduling.volcano.sh", "--wait=true")
        [f] = found(env, plan, "HC001", "queues.scheduling.volcano.sh", "HC001 on the deleted Volcano CRD")
        assert f.component == "volcano"
        report = check(env, plan)  # the Volcano queue check cannot read queues any more: not PASSED
        assert all(x.outcome != Outcome.PASSED for x in report.findings if x.check_id == "HC030")

    healthy_then(capsys, env, "training-team", breakages)


def test_llm_inference_healthy_then_gpu_node_without_gpus_and_crashlooping_validator(
        capsys, e2e_env, add_cluster_nodes):
    env = e2e_env

    def breakages(plan) -> None:
        [node] = add_cluster_nodes(gpu_nodes=1, gpus_per_node=4)
        eventually(lambda: not problems(check(env, plan)), timeout=90, what="checks pass with the new GPU node")
        set_status(env, "node", node, {"allocatable": {"nvidia.com/gpu": "0"}})
        [f] = found(env, plan, "HC012", node, "HC012 on the GPU node with 0 allocatable GPUs")
        assert any("allocatable[nvidia.com/gpu]=0" in e for e in f.evidence)

        pods = kubectl_json(env, "get", "pods", "-n", "gpu-operator", "-l", "app=nvidia-operator-validator")["items"]
        pod = pods[0]["metadata"]["name"]
        set_status(env, "pod", pod, {"initContainerStatuses": [{
            "name": "driver-validation", "image": "nvcr.io/nvidia/gpu-operator:v26.7.0", "imageID": "",
            "ready": False, "restartCount": 7, "started": False,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                                  "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "startedAt": None, "finishedAt": None}},
        }]}, "gpu-operator")
        [f] = found(env, plan, "HC011", pod, "HC011 on the crash-looping validator")
        assert "Init:CrashLoopBackOff" in f.message and "driver-validation" in f.message

    healthy_then(capsys, env, "llm-inference", breakages)


def test_full_mlops_healthy_then_clusterpolicy_not_ready_and_kserve_controller_down(capsys, e2e_env):
    env = e2e_env

    def breakages(plan) -> None:
        set_status(env, "clusterpolicy", "cluster-policy", {"state": "notReady"})
        [f] = found(env, plan, "HC010", "cluster-policy", "HC010 on the notReady ClusterPolicy")
        assert any("notReady" in e for e in f.evidence)
        kubectl(env, "scale", "deployment/kserve-controller-manager", "-n", "kserve", "--replicas=0")
        found(env, plan, "HC002", "kserve-controller-manager", "HC002 on the scaled-down KServe controller")
        # its webhooks lose their endpoints once the pod is gone
        hooks = found(env, plan, "HC003", "inferenceservice.serving.kserve.io", "HC003 on KServe's webhook")
        assert any("no ready endpoints" in e for f in hooks for e in f.evidence)

    healthy_then(capsys, env, "full-mlops", breakages)
