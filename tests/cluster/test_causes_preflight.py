"""Root causes and preflight on the real control plane.

Causes: for each cause rule, a scenario that produces its members with real objects (statuses written through
the API's /status subresource, as controllers do) and asserts that `check` names one cause that explains them.
Preflight: for each check, a cluster state that fails it and one that passes. Objects use upstream names.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.checks.runner import run_checks
from planner.cluster import ClusterReader
from planner.model import Model, Plan
from planner.preflight import run_preflight
from planner.report import Outcome, Report
from planner.sandbox import Kube, KubeError, path_for
from planner.sandbox.nodes import node_manifest
from tests.checks.harness import make_plan
from tests.fixtures_cluster import deployment, eventually, wait_crd_established

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = load_catalog().blueprints
CANARY = "Q0FOQVJZLXNlY3JldC1kYXRh"  # base64 of a canary: Secret data that must never be read


def in_namespace(plan: Plan, namespace: str) -> Plan:
    releases = {k: dataclasses.replace(r, namespace=namespace) for k, r in plan.releases.items()}
    return dataclasses.replace(plan, releases=releases)


def patch_status(kube: Kube, path: str, status: dict) -> None:
    kube.request("PATCH", path + "/status", {"status": status}, content_type="application/merge-patch+json")


@pytest.fixture
def crds(kube: Kube) -> Iterator:
    """`crds(group, version, kind, plural, namespaced=True)`: a CRD accepting any object, with a status
    subresource; deleted after the test."""
    made: list[str] = []

    def make(group: str, version: str, kind: str, plural: str, namespaced: bool = True) -> str:
        name = f"{plural}.{group}"
        kube.create(path_for("customresourcedefinitions"), {
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": name},
            "spec": {"group": group, "scope": "Namespaced" if namespaced else "Cluster",
                     "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
                     "versions": [{"name": version, "served": True, "storage": True,
                                   "subresources": {"status": {}},
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}})
        made.append(name)
        wait_crd_established(kube, name)
        return name

    yield make
    for name in made:
        kube.delete(path_for("customresourcedefinitions", name=name))
    for name in made:
        eventually(lambda n=name: not _exists(kube, path_for("customresourcedefinitions", name=n)),
                   what=f"CRD {name} deleted")


def _exists(kube: Kube, path: str) -> bool:
    try:
        kube.get(path)
    except KubeError as e:
        if e.status == 404:
            return False
        raise
    return True


def create_eventually(kube: Kube, path: str, body: dict) -> dict:
    """Create a custom object as soon as its new API is served (404 for a moment after Established)."""
    out: dict = {}

    def attempt() -> bool:
        try:
            out.update(kube.create(path, body))
        except KubeError as e:
            if e.status == 404:
                return False
            raise
        return True

    eventually(attempt, what=f"created {path}")
    return out


def check(control_plane, plan: Plan) -> Report:
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        return run_checks(plan, reader)


def one_cause(report: Report, rule: str):
    causes = [c for c in report.causes if c.rule == rule]
    assert len(causes) == 1, [(c.rule, c.title) for c in report.causes]
    return causes[0]


def crashloop(kube: Kube, ns: str, name: str, container: str, *, labels: dict | None = None,
              node: str | None = None, init: bool = True) -> None:
    """A pod whose `container` is in CrashLoopBackOff. Bound to `node` (a Node no kubelet or kwok runs, so
    nobody rewrites the status) or held unschedulable by a nodeSelector nobody matches."""
    spec: dict = {"containers": [{"name": "main", "image": "registry.invalid/app:1"}]}
    if init:
        spec["initContainers"] = [{"name": container, "image": "registry.invalid/app:1"}]
    else:
        spec["containers"] = [{"name": container, "image": "registry.invalid/app:1"}]
    if node:
        spec["nodeName"] = node
    else:
        spec["nodeSelector"] = {"stackplan.dev/never": "true"}
    kube.create(path_for("pods", ns), {"metadata": {"name": name, "labels": labels or {}}, "spec": spec})
    field = "initContainerStatuses" if init else "containerStatuses"
    patch_status(kube, path_for("pods", ns, name), {field: [{
        "name": container, "ready": False, "restartCount": 5, "image": "registry.invalid/app:1", "imageID": "",
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]})


@pytest.fixture
def bare_gpu_node(kube: Kube) -> Iterator[str]:
    """A GPU Node object nobody runs (no kwok annotation): pods bound to it keep the status tests write."""
    name = f"bare-gpu-{uuid.uuid4().hex[:6]}"
    body = node_manifest(name, gpus=4, gpu_type="l4")
    body["metadata"]["annotations"] = {}
    kube.create(path_for("nodes"), body)
    yield name
    kube.delete(path_for("nodes", name=name))


# ------------------------------------------------------------------ causes

def test_rc004_driver_failing_on_one_node_is_one_cause(kube: Kube, control_plane, cluster_namespace: str,
                                                       bare_gpu_node: str, crds) -> None:
    ns, node = cluster_namespace, bare_gpu_node
    plan = in_namespace(make_plan("gpu-operator", gpu_nodes=1), ns)
    kube.create(path_for("deployments", ns), deployment("gpu-operator", 1))  # installed: not folded into HC009
    crds("nvidia.com", "v1", "ClusterPolicy", "clusterpolicies", namespaced=False)
    cp = create_eventually(kube, "/apis/nvidia.com/v1/clusterpolicies", {
        "apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy", "metadata": {"name": "cluster-policy"}})
    patch_status(kube, "/apis/nvidia.com/v1/clusterpolicies/cluster-policy", {
        "state": "notReady", "conditions": [{"type": "Error", "status": "True", "reason": "DriverNotReady",
                                             "message": "driver not ready", "lastTransitionTime":
                                                 "2026-01-01T00:00:00Z"}]})
    assert cp["metadata"]["name"] == "cluster-policy"
    patch_status(kube, path_for("nodes", name=node), {"allocatable": {"nvidia.com/gpu": "0"}})
    crashloop(kube, ns, "nvidia-driver-daemonset-x1", "nvidia-driver-ctr", node=node, init=False,
              labels={"app": "nvidia-driver-daemonset"})
    crashloop(kube, ns, "nvidia-operator-validator-x1", "driver-validation", node=node,
              labels={"app": "nvidia-operator-validator"})
    report = check(control_plane, plan)
    cause = one_cause(report, "RC004")
    by_id = report.by_id()
    assert by_id[cause.root].subject.name == "nvidia-driver-daemonset-x1" and node in cause.title
    members = {(by_id[m].check_id, by_id[m].subject.name) for m in cause.members}
    assert {("HC011", "nvidia-operator-validator-x1"), ("HC012", node), ("HC010", "cluster-policy"),
            ("HC005", "nvidia-operator-validator-x1")} <= members
    # the table names one cause and folds the rest under it
    from planner.render.report import render_table

    table = render_table(report, width=150)
    assert table.count("RC004 (high)") == 1 and table.index("RC004") < table.index("explains FAIL HC012")


def test_rc005_inactive_clusterqueue_explains_its_queue_and_workloads(kube: Kube, control_plane,
                                                                        cluster_namespace: str, crds) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("kueue"), ns)
    kube.create(path_for("deployments", ns), deployment("kueue-controller-manager", 1))
    for kind, plural, namespaced in (("ClusterQueue", "clusterqueues", False), ("LocalQueue", "localqueues", True),
                                     ("Workload", "workloads", True)):
        crds("kueue.x-k8s.io", "v1beta2", kind, plural, namespaced)
    base = "/apis/kueue.x-k8s.io/v1beta2"
    cq = f"team-{uuid.uuid4().hex[:4]}"
    t = "2026-01-01T00:00:00Z"
    create_eventually(kube, f"{base}/clusterqueues", {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue",
                                                      "metadata": {"name": cq}, "spec": {}})
    patch_status(kube, f"{base}/clusterqueues/{cq}", {"conditions": [{
        "type": "Active", "status": "False", "reason": "FlavorNotFound", "message": "flavor a100 missing",
        "lastTransitionTime": t}]})
    create_eventually(kube, f"{base}/namespaces/{ns}/localqueues", {
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue", "metadata": {"name": "team"},
        "spec": {"clusterQueue": cq}})
    patch_status(kube, f"{base}/namespaces/{ns}/localqueues/team", {"conditions": [{
        "type": "Active", "status": "False", "reason": "ClusterQueueIsInactive", "message": "inactive",
        "lastTransitionTime": t}]})
    create_eventually(kube, f"{base}/namespaces/{ns}/workloads", {
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload", "metadata": {"name": "job-train-1"},
        "spec": {"queueName": "team"}})
    patch_status(kube, f"{base}/namespaces/{ns}/workloads/job-train-1", {"conditions": [{
        "type": "QuotaReserved", "status": "False", "reason": "Inadmissible",
        "message": f"ClusterQueue {cq} is inactive", "lastTransitionTime": t}]})
    report = check(control_plane, plan)
    causes = [c for c in report.causes if c.rule == "RC005" and cq in c.title]
    assert len(causes) == 1
    by_id = report.by_id()
    assert {by_id[m].subject.name for m in causes[0].members} == {"team", "job-train-1"}


def test_rc003_webhook_without_endpoints_explains_the_guarded_objects_missing(
        kube: Kube, control_plane, cluster_namespace: str, crds) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("kueue"), ns)
    kube.create(path_for("deployments", ns), deployment("kueue-controller-manager", 1))
    crds("kueue.x-k8s.io", "v1beta2", "ClusterQueue", "clusterqueues", False)
    crds("kueue.x-k8s.io", "v1beta2", "LocalQueue", "localqueues", True)
    kube.create(path_for("services", ns), {"metadata": {"name": "kueue-webhook-service"},
                                           "spec": {"ports": [{"port": 443, "targetPort": 9443}]}})
    name = "kueue-validating-webhook-configuration"  # upstream name (blueprint webhooks)
    kube.create(path_for("validatingwebhookconfigurations"), {
        "metadata": {"name": name},
        "webhooks": [{"name": "vclusterqueue.kb.io", "admissionReviewVersions": ["v1"], "sideEffects": "None",
                      "failurePolicy": "Fail",
                      "clientConfig": {"service": {"namespace": ns, "name": "kueue-webhook-service",
                                                   "path": "/validate"}},
                      # never matches a real request here: the API server never calls it during the test
                      "namespaceSelector": {"matchLabels": {"stackplan.dev/never": "true"}},
                      "objectSelector": {"matchLabels": {"stackplan.dev/never": "true"}},
                      "rules": [{"apiGroups": ["kueue.x-k8s.io"], "apiVersions": ["v1beta2"],
                                 "operations": ["CREATE", "UPDATE"], "resources": ["clusterqueues", "localqueues"]}]}]})
    try:
        report = check(control_plane, plan)
    finally:
        kube.delete(path_for("validatingwebhookconfigurations", name=name))
    cause = one_cause(report, "RC003")
    by_id = report.by_id()
    assert by_id[cause.root].subject.name == name
    assert {(by_id[m].subject.kind, by_id[m].subject.name) for m in cause.members} == {
        ("ClusterQueue", "stackplan"), ("LocalQueue", "default")}  # the queues the plan declares, not created


def test_rc006_model_download_failing_explains_the_inferenceservice(kube: Kube, control_plane,
                                                                     cluster_namespace: str, crds) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("kserve"), ns)
    kube.create(path_for("deployments", ns), deployment("kserve-controller-manager", 1))
    crds("serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices")
    base = f"/apis/serving.kserve.io/v1beta1/namespaces/{ns}/inferenceservices"
    create_eventually(kube, base, {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                                   "metadata": {"name": "llama"}, "spec": {"predictor": {}}})
    patch_status(kube, f"{base}/llama", {"conditions": [{"type": "Ready", "status": "False",
                                                          "reason": "PredictorNotReady",
                                                          "lastTransitionTime": "2026-01-01T00:00:00Z"}]})
    crashloop(kube, ns, "llama-predictor-00001-abc", "storage-initializer",
              labels={"serving.kserve.io/inferenceservice": "llama"})
    report = check(control_plane, plan)
    cause = one_cause(report, "RC006")
    by_id = report.by_id()
    assert by_id[cause.root].subject.name == "llama-predictor-00001-abc" and "download" in cause.title
    assert [(by_id[m].subject.kind, by_id[m].subject.name) for m in cause.members] == [("InferenceService", "llama")]


def test_rc001_component_not_installed_explains_what_needs_it(kube: Kube, control_plane,
                                                               cluster_namespace: str) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("kubeai", "kuberay"), ns)
    plan = dataclasses.replace(plan, releases={**plan.releases, "kubeai": dataclasses.replace(
        plan.releases["kubeai"], namespace=f"{ns}-absent", needs=("kuberay",))})  # kubeai needs an absent kuberay
    kube.create(path_for("namespaces"), {"metadata": {"name": f"{ns}-absent",
                                                      "labels": {"created-by": "stackplan-tests"}}})
    try:
        kube.create(path_for("deployments", f"{ns}-absent"), deployment("kubeai", 1))
        crashloop(kube, f"{ns}-absent", "kubeai-model-x", "server", init=False)
        plan = dataclasses.replace(plan, releases={**plan.releases, "kuberay": dataclasses.replace(
            plan.releases["kuberay"], namespace=ns)})
        report = check(control_plane, plan)
    finally:
        kube.delete(path_for("namespaces", name=f"{ns}-absent"))
    cause = one_cause(report, "RC001")
    by_id = report.by_id()
    assert by_id[cause.root].check_id == "HC009" and "kuberay is not installed (needed by kubeai)" in cause.title
    assert "HC005:Pod/" + ns + "-absent/kubeai-model-x" in cause.members
    # kuberay's own missing objects are folded into its HC009 finding, not listed again
    assert not any(by_id[m].component == "kuberay" for m in cause.members)


def test_rc002_failed_release_explains_its_workloads_and_secret_data_is_never_read(
        kube: Kube, control_plane, cluster_namespace: str, crds) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("kserve"), ns)
    crds("serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices")  # half-installed: CRD, no controller
    for version, status in ((1, "deployed"), (2, "failed")):  # Helm's record labels (pkg/storage/driver/secrets.go)
        kube.create(path_for("secrets", ns), {
            "metadata": {"name": f"sh.helm.release.v1.kserve.v{version}",
                         "labels": {"name": "kserve", "owner": "helm", "status": status, "version": str(version)}},
            "type": "helm.sh/release.v1", "data": {"release": CANARY}})
    bodies: list[bytes] = []
    accepts: list[str] = []
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        def keep(response) -> None:  # every byte the API server sent
            response.read()
            bodies.append(response.content)
            if "/secrets" in str(response.request.url):
                accepts.append(response.request.headers.get("accept", ""))

        reader._http.event_hooks["response"].append(keep)
        report = run_checks(plan, reader)
    cause = one_cause(report, "RC002")
    by_id = report.by_id()
    assert by_id[cause.root].check_id == "HC090" and "failed (revision 2)" in cause.title
    assert "HC002:Deployment/" + ns + "/kserve-controller-manager" in cause.members
    assert accepts and all("as=PartialObjectMetadataList" in a for a in accepts)
    assert not any(CANARY.encode() in b for b in bodies), "Secret data reached the client"
    assert CANARY not in json.dumps(report.to_dict())


# ------------------------------------------------------------------ preflight

def preflight(control_plane, plan: Plan, check_id: str) -> list:
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        version = reader.ping()
        return list(run_preflight(plan, reader, version=version, blueprints=BLUEPRINTS, check_ids=[check_id]).findings)


def outcomes(findings: list) -> set[Outcome]:
    return {f.outcome for f in findings}


def test_pf001_version(control_plane) -> None:
    plan = make_plan("kueue")
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        git = reader.ping()["gitVersion"]
    minor = ".".join(git.lstrip("v").split(".")[:2])
    assert outcomes(preflight(control_plane, dataclasses.replace(plan, kubernetes_version=minor), "PF001")) == {
        Outcome.PASSED}
    too_new = dict(BLUEPRINTS, kueue=dataclasses.replace(BLUEPRINTS["kueue"], kube_min="1.99"))
    with ClusterReader(str(control_plane.kubeconfig)) as reader:
        version = reader.ping()
        report = run_preflight(dataclasses.replace(plan, kubernetes_version=minor), reader, version=version,
                               blueprints=too_new, check_ids=["PF001"])
    assert any(f.outcome is Outcome.FAILED and "needs Kubernetes >= 1.99" in f.message for f in report.findings)


def test_pf002_storage_class(kube: Kube, control_plane) -> None:
    name = f"fast-{uuid.uuid4().hex[:6]}"
    base = "apis/storage.k8s.io/v1"
    plan = dataclasses.replace(make_plan("kueue"), cluster={"storageClass": name, "gpu": {"nodes": 0}})
    assert outcomes(preflight(control_plane, plan, "PF002")) == {Outcome.FAILED}
    kube.create(path_for("storageclasses", base=base), {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                                        "metadata": {"name": name}, "provisioner": "example.com/x"})
    try:
        assert outcomes(preflight(control_plane, plan, "PF002")) == {Outcome.PASSED}
    finally:
        kube.delete(path_for("storageclasses", name=name, base=base))


def gpu_plan(components: tuple[str, ...], nodes: int, per_node: int, **gpu) -> Plan:
    plan = make_plan(*components, gpu_nodes=nodes)
    return dataclasses.replace(plan, cluster={**plan.cluster, "gpu": {"nodes": nodes, "perNode": per_node, **gpu}})


def test_pf003_gpu_facts_and_pf009_models(kube: Kube, control_plane, add_cluster_nodes) -> None:
    from planner.preflight.gpu_facts import gpus_of
    from planner.sandbox.nodes import GPU_TYPES

    def gpu_nodes() -> list[dict]:
        return [n for n in kube.items(path_for("nodes")) if gpus_of(n)]

    # the shared control plane may already have GPU nodes: add two more of the same kind, so the facts hold
    existing = {(gpus_of(n), (n["metadata"].get("labels") or {}).get("nvidia.com/gpu.product")) for n in gpu_nodes()}
    count, product = existing.pop() if len(existing) == 1 else (8, "NVIDIA-L4")
    if existing:
        pytest.skip("GPU nodes of several kinds on the shared control plane: no single cluster.gpu describes them")
    key = next(k for k, t in GPU_TYPES.items() if t.product == product)
    add_cluster_nodes(gpu_nodes=2, gpus_per_node=count, gpu_type=key)
    total = len(gpu_nodes())
    wrong = gpu_plan(("gpu-operator",), 1, 1, type="NVIDIA-H100-80GB-HBM3")  # the default plan assumes 1 GPU
    failed = [f.message for f in preflight(control_plane, wrong, "PF003") if f.outcome is Outcome.FAILED]
    assert any(f"cluster.gpu.nodes is 1, the cluster has {total} GPU node(s)" in m for m in failed)
    assert any(f"has {count} GPU(s)" in m for m in failed) and any(f"has {product}" in m for m in failed)
    right = gpu_plan(("gpu-operator",), total, count, type=product)
    assert outcomes(preflight(control_plane, right, "PF003")) == {Outcome.PASSED}
    llama = Model("llama", "hf://meta-llama/Llama-3.1-8B-Instruct", gpus_per_replica=count, replicas=total + 1)
    assert outcomes(preflight(control_plane, dataclasses.replace(right, models=(llama,)), "PF009")) == {
        Outcome.FAILED}
    fits = dataclasses.replace(right, models=(dataclasses.replace(llama, replicas=total),))
    assert outcomes(preflight(control_plane, fits, "PF009")) == {Outcome.PASSED}


def test_pf004_prerequisite_secret_by_name_only(kube: Kube, control_plane, cluster_namespace: str) -> None:
    from tests.preflight.test_preflight_checks import PlanWithPrereqs, Prereq

    ns = cluster_namespace
    need = Prereq("Secret", "stackplan-huggingface", ns, ("HF_TOKEN",), "kserve", "gated models",
                  "kserve/website docs/modelserving/storage/huggingface", "create it")
    plan = PlanWithPrereqs(make_plan("kserve"), (need,))
    assert outcomes(preflight(control_plane, plan, "PF004")) == {Outcome.FAILED}
    kube.create(path_for("secrets", ns), {"metadata": {"name": "stackplan-huggingface"},
                                          "data": {"HF_TOKEN": CANARY}})
    findings = preflight(control_plane, plan, "PF004")
    assert outcomes(findings) == {Outcome.PASSED} and CANARY not in str([f.to_dict() for f in findings])


def test_pf005_quotas_against_allocatable(kube: Kube, control_plane, add_cluster_nodes) -> None:
    from planner.preflight.quotas import allocatable

    add_cluster_nodes(gpu_nodes=1, gpus_per_node=4, gpu_type="l4")
    have = allocatable(kube.items(path_for("nodes")))
    gpus = int(have["nvidia.com/gpu"])
    over = gpu_plan(("kueue",), 1, gpus + 4)
    [f] = [f for f in preflight(control_plane, over, "PF005") if f.subject.kind == "ClusterQueue"]
    assert f.outcome is Outcome.FAILED and f"nvidia.com/gpu quota {gpus + 4} is more" in f.message
    if have["cpu"].denominator != 1 or (have["memory"] / 2**20).denominator != 1:
        pytest.skip("allocatable CPU or memory is fractional here: no exact quota to write")
    sized = gpu_plan(("kueue",), 1, gpus)
    sized = dataclasses.replace(sized, cluster={**sized.cluster, "quota": {
        "cpu": str(int(have["cpu"])), "memory": f"{int(have['memory'] / 2**20)}Mi"}})
    [g] = [f for f in preflight(control_plane, sized, "PF005") if f.subject.kind == "ClusterQueue"]
    assert g.outcome is Outcome.PASSED, g.evidence


def test_pf006_conflicting_install_and_pf007_crd_owner(kube: Kube, control_plane, cluster_namespace: str,
                                                      crds) -> None:
    ns = cluster_namespace
    plan = make_plan("gpu-operator")  # its namespace: gpu-operator; another one runs in the test namespace
    # (other tests' namespaces may still be terminating with their own gpu-operator: only ours counts here)
    assert not any(ns in e for f in preflight(control_plane, plan, "PF006") for e in f.evidence)
    other = deployment("gpu-operator", 0)
    other["metadata"]["annotations"] = {"meta.helm.sh/release-name": "gpu-operator-1700000000",
                                        "meta.helm.sh/release-namespace": ns}
    kube.create(path_for("deployments", ns), other)
    (f,) = preflight(control_plane, plan, "PF006")
    assert f.outcome is Outcome.FAILED and any(f"{ns}/gpu-operator-1700000000" in e for e in f.evidence)

    name = crds("nvidia.com", "v1", "ClusterPolicy", "clusterpolicies", namespaced=False)
    assert outcomes(preflight(control_plane, plan, "PF007")) == {Outcome.PASSED}  # no owner: usable
    kube.merge_patch(path_for("customresourcedefinitions", name=name), {"metadata": {"annotations": {
        "meta.helm.sh/release-name": "gpu-operator-1700000000", "meta.helm.sh/release-namespace": ns}}})
    (g,) = [x for x in preflight(control_plane, plan, "PF007") if x.subject.name == name]
    assert g.outcome is Outcome.FAILED and "owned by Helm release" in g.message


def test_pf008_pod_security(kube: Kube, control_plane, cluster_namespace: str) -> None:
    ns = cluster_namespace
    plan = in_namespace(make_plan("gpu-operator"), ns)
    rel = dataclasses.replace(plan.releases["gpu-operator"],
                              namespace_labels={"pod-security.kubernetes.io/enforce": "privileged"})
    plan = dataclasses.replace(plan, releases={"gpu-operator": rel})
    kube.merge_patch(path_for("namespaces", name=ns),
                     {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}})
    assert outcomes(preflight(control_plane, plan, "PF008")) == {Outcome.FAILED}
    kube.merge_patch(path_for("namespaces", name=ns),
                     {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}})
    assert outcomes(preflight(control_plane, plan, "PF008")) == {Outcome.PASSED}


def test_preflight_cli_fails_fast_with_exit_codes(cluster_env: dict[str, str], tmp_path: Path) -> None:
    stack = tmp_path / "stackplan.yaml"
    stack.write_text('profile: training-team\ncluster:\n  storageClass: no-such-class\n')
    started = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "planner", "preflight", "-f", str(stack), "-o", "json"],
                         capture_output=True, text=True, env=cluster_env, cwd=ROOT, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    assert cli.returncode == 1, cli.stderr
    report = json.loads(cli.stdout)
    assert report["reportKind"] == "preflight"
    assert any(f["checkId"] == "PF002" and f["outcome"] == "FAILED" for f in report["findings"])
    print(f"preflight: meta.seconds={report['meta']['seconds']} wall={elapsed:.2f}s api={report['meta'].get('api')}")
    assert report["meta"]["seconds"] < 10, report["meta"]  # the run itself; the process start is Python's
    assert elapsed < 60
    bad = dict(cluster_env, KUBECONFIG=str(tmp_path / "none"))
    (tmp_path / "none").write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: c, cluster: {server: "
        "'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]\ncontexts: [{name: x, context: {cluster: c, "
        "user: u}}]\nusers: [{name: u, user: {token: t}}]\n")
    down = subprocess.run([sys.executable, "-m", "planner", "preflight", "-f", str(stack)], capture_output=True,
                          text=True, env=bad, cwd=ROOT, timeout=120, check=False)
    assert down.returncode == 3 and "Traceback" not in down.stderr


def test_apply_preflight_installs_nothing_when_preflight_fails(cluster_env: dict[str, str], tmp_path: Path) -> None:
    def releases() -> list[tuple[str, str, str]]:
        out = subprocess.run(["helm", "list", "-A", "-o", "json"], capture_output=True, text=True, env=cluster_env,
                             timeout=60, check=True)
        return sorted((r["namespace"], r["name"], r["revision"]) for r in json.loads(out.stdout or "[]"))

    stack = tmp_path / "stackplan.yaml"
    stack.write_text("profile: llm-inference\ncluster:\n  storageClass: no-such-class\n  gpu: {nodes: 0}\n")
    before = releases()
    cli = subprocess.run([sys.executable, "-m", "planner", "apply", "-f", str(stack), "--preflight",
                          "--chart-dir", str(ROOT / "tests" / "charts")],
                         capture_output=True, text=True, env=cluster_env, cwd=ROOT, timeout=120, check=False)
    assert cli.returncode == 1, cli.stderr
    assert "preflight found problems; nothing was installed" in cli.stderr and "PF002" in cli.stdout
    assert releases() == before
