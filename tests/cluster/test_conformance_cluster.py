"""`stackplan conformance --cluster` on the real control plane (kube-apiserver, kube-controller-manager,
kube-scheduler, kwok GPU nodes).

Produced for real here: GPU pods placed by the real scheduler against the nodes' nvidia.com/gpu allocatable
(no oversubscription), a pod that reaches GPUs around the device plugin, the DRA API served by the real
API server, a GatewayClass no controller accepts, an HPA whose custom metric the real HPA controller
cannot read (no custom metrics API), the RBAC from `stackplan rbac --conformance`, and the two files.
At the boundary (no such controller runs here, so the test writes the status it would write): Kueue's
admission of a Workload, a Gateway controller accepting its GatewayClass, an operator reconciling its
ClusterQueue. docs/conformance.md lists the same split.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from junitparser import JUnitXml

from planner.cluster import ClusterReader
from planner.conformance import product
from planner.conformance.checklist import checklist
from planner.conformance.evidence import IMPLEMENTED, NA, NOT_IMPLEMENTED, PARTIAL, gather
from planner.sandbox import Kube, path_for
from tests.checks.harness import make_plan
from tests.fixtures_cluster import eventually, wait_crd_established

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
V = "1.35"  # the control plane's version (testbin builds v1.35.x)
CRDS = {  # name -> (group, kind, plural, scope): our own minimal CRDs with the upstream names
    "gatewayclasses.gateway.networking.k8s.io": ("gateway.networking.k8s.io", "GatewayClass", "gatewayclasses",
                                                 "Cluster", "v1"),
    "gateways.gateway.networking.k8s.io": ("gateway.networking.k8s.io", "Gateway", "gateways", "Namespaced", "v1"),
    "httproutes.gateway.networking.k8s.io": ("gateway.networking.k8s.io", "HTTPRoute", "httproutes", "Namespaced",
                                             "v1"),
    "workloads.kueue.x-k8s.io": ("kueue.x-k8s.io", "Workload", "workloads", "Namespaced", "v1beta2"),
    "clusterqueues.kueue.x-k8s.io": ("kueue.x-k8s.io", "ClusterQueue", "clusterqueues", "Cluster", "v1beta2"),
}


def crd_body(name: str) -> dict:
    group, kind, plural, scope, version = CRDS[name]
    meta: dict = {"name": name}
    if group.endswith(".k8s.io") and not group.endswith("x-k8s.io"):
        # the API server refuses a *.k8s.io CRD without it; upstream's Gateway API CRDs carry this one
        # (kubernetes-sigs/gateway-api:config/crd/standard/*.yaml)
        meta["annotations"] = {"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": meta,
            "spec": {"group": group, "scope": scope,
                     "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
                     "versions": [{"name": version, "served": True, "storage": True,
                                   "subresources": {"status": {}},
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


@pytest.fixture
def crds(kube: Kube) -> Iterator[None]:
    from planner.sandbox import KubeError

    created: list[str] = []
    try:
        for name in CRDS:
            try:
                kube.create(path_for("customresourcedefinitions"), crd_body(name))
                created.append(name)
            except KubeError as e:  # another test's CRD of the same name: use it, leave it
                if e.status != 409:
                    raise
        for name in CRDS:
            wait_crd_established(kube, name)
        yield
    finally:
        for name in created:
            kube.delete(path_for("customresourcedefinitions", name=name))


def gpu_pod(name: str, node: str | None, gpus: int = 0, env: dict | None = None) -> dict:
    c: dict = {"name": "main", "image": "registry.invalid/app:1"}
    if gpus:
        c["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    spec: dict = {"containers": [c], "tolerations": [{"operator": "Exists"}]}
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def evidence(kubeconfig: str, plan) -> dict:
    with ClusterReader(kubeconfig) as reader:
        reader.ping()
        return {e.requirement.id: e for e in gather(plan, reader, checklist(V))}


def of(e, subject_name: str) -> list:
    return [f for f in e.findings if f.subject.name == subject_name]


def test_gpu_isolation_and_dra_on_the_real_scheduler(kube: Kube, kubeconfig: str, cluster_namespace: str,
                                                      add_cluster_nodes) -> None:
    node = add_cluster_nodes(gpu_nodes=1, gpus_per_node=4)[0]
    ns = cluster_namespace
    kube.create(path_for("pods", ns), gpu_pod("trainer", node, gpus=3))
    kube.create(path_for("pods", ns), gpu_pod("greedy", node, gpus=2))  # 3 + 2 > 4: the scheduler must refuse
    eventually(lambda: kube.get(path_for("pods", ns, "trainer")).get("spec", {}).get("nodeName") == node,
               what="trainer scheduled on the GPU node")
    eventually(lambda: any(c.get("reason") == "Unschedulable" for c in
                           (kube.get(path_for("pods", ns, "greedy")).get("status") or {}).get("conditions") or []),
               what="greedy pod refused by the scheduler")
    plan = make_plan("gpu-operator", gpu_nodes=1)
    e = evidence(kubeconfig, plan)["secure_accelerator_access"]
    mine = of(e, node)
    assert [f.outcome.value for f in mine] == ["PASSED"] and "3 of 4 GPUs" in mine[0].message

    # a pod that requests no GPU but selects them for itself, on the same node: found
    kube.create(path_for("pods", ns), gpu_pod("sneaky", node, env={"NVIDIA_VISIBLE_DEVICES": "all"}))
    eventually(lambda: kube.get(path_for("pods", ns, "sneaky")).get("spec", {}).get("nodeName") == node,
               what="sneaky scheduled")
    e = evidence(kubeconfig, plan)
    bad = of(e["secure_accelerator_access"], "sneaky")
    assert bad and bad[0].outcome.value == "FAILED" and "NVIDIA_VISIBLE_DEVICES=all" in bad[0].message
    assert e["secure_accelerator_access"].status in (PARTIAL, NOT_IMPLEMENTED)
    assert e["dra_support"].status == IMPLEMENTED  # resource.k8s.io served by the real API server
    assert e["cluster_autoscaling"].status == NA  # no autoscaler here: N/A with its note
    assert e["cluster_autoscaling"].notes


def test_hpa_custom_metric_unreadable_without_a_metrics_adapter(kube: Kube, kubeconfig: str,
                                                                 cluster_namespace: str) -> None:
    ns = cluster_namespace
    labels = {"app": "llm"}
    kube.create(path_for("deployments", ns), {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "llm"},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"tolerations": [{"operator": "Exists"}],
                                       "containers": [{"name": "main", "image": "registry.invalid/vllm:1",
                                                       "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}}})
    eventually(lambda: kube.items(path_for("pods", ns), labelSelector="app=llm"), what="llm pod created")
    kube.create(f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "llm"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llm"},
                 "minReplicas": 1, "maxReplicas": 4,
                 "metrics": [{"type": "Pods", "pods": {"metric": {"name": "vllm_num_requests_waiting"},
                                                       "target": {"type": "AverageValue", "averageValue": "5"}}}]}})

    def hpa_tried() -> bool:  # the real HPA controller (kube-controller-manager) sets ScalingActive
        hpa = kube.get(f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/llm")
        return any(c["type"] == "ScalingActive" for c in (hpa.get("status") or {}).get("conditions") or [])
    eventually(hpa_tried, timeout=90, what="HPA controller evaluated the HPA")
    e = evidence(kubeconfig, make_plan("gpu-operator", gpu_nodes=1))["pod_autoscaling"]
    assert e.status == NOT_IMPLEMENTED
    messages = [f.message for f in e.findings]
    assert "the custom metrics API is not served" in messages
    assert any(f"HPA {ns}/llm cannot read its custom metric" == m for m in messages), messages


def test_gateway_gang_and_operator_evidence(kube: Kube, kubeconfig: str, cluster_namespace: str, crds) -> None:
    ns = cluster_namespace
    gwc = "/apis/gateway.networking.k8s.io/v1/gatewayclasses"
    kube.create(gwc, {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
                      "metadata": {"name": "conformance-test"},
                      "spec": {"controllerName": "example.com/gateway-controller"}})
    wl = f"/apis/kueue.x-k8s.io/v1beta2/namespaces/{ns}/workloads"
    kube.create(wl, {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload", "metadata": {"name": "train"},
                     "spec": {"queueName": "q", "podSets": [{"name": "main", "count": 4}]}})
    cq = "/apis/kueue.x-k8s.io/v1beta2/clusterqueues"
    kube.create(cq, {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue", "metadata": {"name": "gpu"},
                     "spec": {}})
    try:
        plan = make_plan("kueue")
        rel = plan.releases["kueue"]
        rel = dataclasses.replace(rel, namespace=ns, crds=("workloads.kueue.x-k8s.io", "clusterqueues.kueue.x-k8s.io"),
                                  webhooks=())
        plan = dataclasses.replace(plan, releases={"kueue": rel})
        kube.create(path_for("deployments", ns), {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kueue-controller-manager"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "kueue"}},
                     "template": {"metadata": {"labels": {"app": "kueue"}},
                                  "spec": {"containers": [{"name": "m", "image": "registry.invalid/kueue:1"}]}}}})
        eventually(lambda: kube.get(path_for("deployments", ns, "kueue-controller-manager"))
                   .get("status", {}).get("availableReplicas") == 1, what="kueue-controller-manager available")

        before = evidence(kubeconfig, plan)
        assert before["ai_inference"].status == NOT_IMPLEMENTED  # a class no controller has accepted
        assert before["gang_scheduling"].status == PARTIAL  # Kueue installed, nothing admitted yet
        assert before["robust_controller"].status == NOT_IMPLEMENTED  # ClusterQueue never reconciled

        # what the controllers would write (none runs here): Accepted, Admitted with every pod, Active
        kube.request("PATCH", f"{gwc}/conformance-test/status", {"status": {"conditions": [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "message": "", "lastTransitionTime":
             "2026-01-01T00:00:00Z"}]}}, content_type="application/merge-patch+json")
        kube.request("PATCH", f"{wl}/train/status", {"status": {
            "conditions": [{"type": "Admitted", "status": "True", "reason": "Admitted", "message": "",
                            "lastTransitionTime": "2026-01-01T00:00:00Z"}],
            "admission": {"clusterQueue": "gpu", "podSetAssignments": [{"name": "main", "count": 4}]}}},
            content_type="application/merge-patch+json")
        kube.request("PATCH", f"{cq}/gpu/status", {"status": {"conditions": [
            {"type": "Active", "status": "True", "reason": "Ready", "message": "",
             "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}, content_type="application/merge-patch+json")
        after = evidence(kubeconfig, plan)
        assert after["ai_inference"].status == IMPLEMENTED
        assert after["gang_scheduling"].status == IMPLEMENTED
        assert after["robust_controller"].status == IMPLEMENTED
    finally:
        kube.delete(f"{gwc}/conformance-test")
        kube.delete(f"{cq}/gpu")


def test_cli_writes_a_valid_draft_and_junit_with_the_conformance_rbac(kube: Kube, control_plane,
                                                                      cluster_namespace: str,
                                                                      cluster_env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    """`stackplan rbac --conformance | kubectl apply -f -`; that ServiceAccount runs the CLI: no 403 anywhere."""
    from tests.cluster.test_check_cluster import token_kubeconfig, wait_for_rbac

    sa = "stackplan-conformance"
    rbac = subprocess.run([sys.executable, "-m", "planner", "rbac", "--conformance", "--subject",
                           f"serviceaccount:{cluster_namespace}:{sa}"], capture_output=True, text=True,
                          env=cluster_env, cwd=ROOT, timeout=60, check=False)
    assert rbac.returncode == 0, rbac.stderr
    applied = subprocess.run(["kubectl", "apply", "-f", "-"], input=rbac.stdout, capture_output=True, text=True,
                             env=cluster_env, timeout=60, check=False)
    assert applied.returncode == 0, applied.stderr
    try:
        kc, _ = token_kubeconfig(kube, control_plane, cluster_namespace, sa, tmp_path / "sa.kubeconfig")
        wait_for_rbac(kc)
        out = tmp_path / "ai-conf"
        run = subprocess.run([sys.executable, "-m", "planner", "conformance", "-p", "llm-inference", "--cluster",
                              "--out-dir", str(out), "-o", "json"], capture_output=True, text=True,
                             env=dict(cluster_env, KUBECONFIG=str(kc)), cwd=ROOT, timeout=120, check=False)
    finally:
        subprocess.run(["kubectl", "delete", "--ignore-not-found", "-f", "-"], input=rbac.stdout, env=cluster_env,
                       capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1, run.stderr  # the bare control plane is not conformant
    data = json.loads(run.stdout)
    assert data["conformant"] is False and data["kubernetesVersion"].startswith(f"v{V}.")
    texts = [t for r in data["requirements"] for f in r["findings"] for t in (f["message"], *f["evidence"])]
    assert not [t for t in texts if "forbidden" in t]
    doc = yaml.safe_load((out / "PRODUCT.yaml").read_text())
    assert [p.message for p in product.validate(doc, checklist(V), out) if p.shape] == []
    statuses = {i["id"]: i["status"] for cat in doc["spec"].values() for i in cat}
    assert statuses["ai_inference"] == NOT_IMPLEMENTED and statuses["dra_support"] == IMPLEMENTED
    suites = list(JUnitXml.fromfile(str(out / "junit.xml")))
    assert suites[0].name == f"stackplan/ai-conformance/v{V}" and suites[0].failures >= 1
    assert (out / "e2e.log").read_text().splitlines()[-2] == "FAIL"


STACK = """\
profile: llm-inference
choices: {gateway: nginx-inference}
components: {kueue: {enabled: true}}
"""


@pytest.mark.slow
def test_apply_the_conformance_components_then_gather_their_evidence(capsys, kubeconfig: str, testbin_dir: Path,
                                                                    tmp_path: Path) -> None:
    """`stackplan apply` of a stack with the Gateway components (the test charts: upstream names, no controller),
    then `conformance --cluster`: the CRDs, the nginx GatewayClass and NGINX Gateway Fabric's Deployment exist,
    and with no controller running, the GatewayClass is not accepted; once accepted, ai_inference is met."""
    import os

    from planner.commands.options import load_plan
    from tests.cli_helpers import run_cli
    from tests.cluster.apply_helpers import CHARTS, run, tool_env, uninstall

    env = dict(os.environ, KUBECONFIG=kubeconfig, PATH=f"{testbin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               HELM_CACHE_HOME=str(tmp_path / "hc"), HELM_CONFIG_HOME=str(tmp_path / "hf"),
               HELM_DATA_HOME=str(tmp_path / "hd"))
    stack = tmp_path / "stackplan.yaml"
    stack.write_text(STACK)
    plan = load_plan(str(stack), None)
    assert {"nginx-gateway-fabric", "gateway-api-crds", "gateway-api-inference-extension-crds"} <= set(plan.releases)
    try:
        with tool_env(env):
            r = run_cli(capsys, "apply", "-f", str(stack), "--chart-dir", str(CHARTS), "--kubeconfig", kubeconfig,
                        "--timeout", "3m")
        assert r.code == 0, r.out + r.err
        e = evidence(kubeconfig, plan)
        assert e["ai_inference"].status == NOT_IMPLEMENTED
        assert any("no GatewayClass is accepted" in f.message for f in e["ai_inference"].findings)
        with ClusterReader(kubeconfig) as reader:
            reader.ping()
            e36 = {x.requirement.id: x for x in gather(plan, reader, checklist("1.36"))}
        assert e36["advanced_inference_ingress"].status == IMPLEMENTED  # InferencePool CRD served

        run(env, "kubectl", "patch", "gatewayclass", "nginx", "--subresource=status", "--type=merge", "-p", json.dumps(
            {"status": {"conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "",
                                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}))
        assert evidence(kubeconfig, plan)["ai_inference"].status == IMPLEMENTED
    finally:
        run(env, "kubectl", "delete", "gatewayclass", "nginx", "--ignore-not-found", check=False)
        uninstall(plan, env)


def test_one_list_per_kind_through_the_shared_reader(kubeconfig: str) -> None:
    from planner.conformance.registry import kinds_read

    plan = make_plan("gpu-operator", "kueue", "volcano", "kuberay", "kubeflow-trainer", gpu_nodes=2)
    with ClusterReader(kubeconfig) as reader:
        reader.ping()
        gather(plan, reader, checklist("1.36"))
        gather(plan, reader, checklist("1.35"))  # a second pass costs no request (memoised)
        stats = reader.stats()
    # every kind once; Events twice (the view asks for type=Warning only, the prefetch for all), as in `check`
    assert stats["lists"] <= len(kinds_read()) + 1, stats
