"""Cluster mode on fixture objects: one status per requirement from the AC checks, each way to break it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.conformance.checklist import checklist
from planner.conformance.evidence import IMPLEMENTED, NA, NOT_IMPLEMENTED, PARTIAL, UNDETERMINED, combine, gather
from planner.kinds import PODS
from tests.checks.harness import NOW, FakeReader, make_plan
from tests.conformance import world as w

V = "1.35"  # has every requirement with a check (dra_support is a MUST there)


def statuses(objs: list[dict], plan=None, version: str = V, **reader_kw) -> dict[str, str]:
    ev = gather(plan or w.plan(), FakeReader(objs, **reader_kw), checklist(version), now=NOW)
    return {e.requirement.id: e.status for e in ev}


def test_a_conformant_cluster_implements_every_must() -> None:
    got = statuses(w.conformant())
    for req in checklist(V).must():
        assert got[req.id] == IMPLEMENTED, req.id
    newest = statuses(w.conformant(), version="1.36")
    assert newest["advanced_inference_ingress"] == IMPLEMENTED
    assert newest["virtualized_accelerator"] == UNDETERMINED  # no automated evidence: left to the vendor


def _set(path: str, value) -> Callable[[dict], None]:
    def change(o: dict) -> None:
        node = o
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return change


BREAKS = [
    ("gateway class not accepted", "ai_inference", NOT_IMPLEMENTED,
     lambda o: w.edited(o, "GatewayClass", "envoy",
                        _set("status.conditions", [{"type": "Accepted", "status": "False"}]))),
    ("no Gateway API CRDs", "ai_inference", NOT_IMPLEMENTED,
     lambda o: w.without(o, "CustomResourceDefinition", "httproutes.gateway.networking.k8s.io")),
    ("no GatewayClass", "ai_inference", NOT_IMPLEMENTED, lambda o: w.without(o, "GatewayClass")),
    ("no InferencePool CRD", "advanced_inference_ingress", NOT_IMPLEMENTED,
     lambda o: w.without(o, "CustomResourceDefinition", "inferencepools.inference.networking.k8s.io")),
    ("gang admitted partially", "gang_scheduling", PARTIAL,
     lambda o: w.edited(o, "Workload", "job-train-1",
                        _set("status.admission.podSetAssignments", [{"name": "main", "count": 2}]))),
    ("no gang admitted yet", "gang_scheduling", PARTIAL,
     lambda o: w.edited(o, "Workload", "job-train-1", _set("status.conditions", []))),
    ("no gang scheduler", "gang_scheduling", NOT_IMPLEMENTED,
     lambda o: w.without(o, "CustomResourceDefinition", "workloads.kueue.x-k8s.io")),
    ("exporter missing on a GPU node", "accelerator_metrics", PARTIAL, lambda o: w.without(o, "Pod", "dcgm-b")),
    ("exporter not scraped", "accelerator_metrics", PARTIAL, lambda o: w.without(o, "ServiceMonitor")),
    ("no exporter", "accelerator_metrics", NOT_IMPLEMENTED, lambda o: w.without(o, "DaemonSet")),
    ("Prometheus not available", "ai_service_metrics", NOT_IMPLEMENTED,
     lambda o: w.edited(o, "Prometheus", "kps", _set("status.conditions", [{"type": "Available", "status": "False"}]))),
    ("no Prometheus Operator", "ai_service_metrics", NOT_IMPLEMENTED,
     lambda o: w.without(o, "CustomResourceDefinition", "prometheuses.monitoring.coreos.com")),
    ("pod reaches GPUs around the device plugin", "secure_accelerator_access", PARTIAL,
     lambda o: [*o, w.pod("sneaky", "team-a", "gpu-1", env={"NVIDIA_VISIBLE_DEVICES": "all"})]),
    ("GPUs oversubscribed", "secure_accelerator_access", PARTIAL,
     lambda o: [*o, w.pod("big", "team-a", "gpu-2", gpus=9)]),
    ("no device plugin on a GPU node", "secure_accelerator_access", PARTIAL,
     lambda o: w.edited(o, "Node", "gpu-2", _set("status.allocatable", {}))),
    ("custom metrics API not served", "pod_autoscaling", PARTIAL,
     lambda o: w.without(o, "APIService", "v1beta1.custom.metrics.k8s.io")),
    ("HPA on CPU only", "pod_autoscaling", PARTIAL,
     lambda o: w.edited(o, "HorizontalPodAutoscaler", "llm", _set("spec.metrics", [{"type": "Resource"}]))),
    ("HPA cannot read its metric", "pod_autoscaling", PARTIAL,
     lambda o: w.edited(o, "HorizontalPodAutoscaler", "llm",
                        _set("status.conditions", [{"type": "ScalingActive", "status": "False"}]))),
    ("autoscaler down", "cluster_autoscaling", NOT_IMPLEMENTED,
     lambda o: w.edited(o, "Deployment", "cluster-autoscaler", _set("status.availableReplicas", 0))),
    ("operator controller down", "robust_controller", NOT_IMPLEMENTED,
     lambda o: w.edited(o, "Deployment", "kueue-controller-manager", _set("status.availableReplicas", 0))),
    ("operator webhook without endpoints", "robust_controller", NOT_IMPLEMENTED,
     lambda o: w.without(o, "EndpointSlice")),
    ("nothing reconciled", "robust_controller", NOT_IMPLEMENTED,
     lambda o: w.edited(o, "ClusterQueue", "gpu", _set("status", {}))),
    ("DRA not served", "dra_support", NOT_IMPLEMENTED, lambda o: w.without(o, "APIService", "v1.resource.k8s.io")),
]


@pytest.mark.parametrize(("what", "requirement", "status", "breaks"), BREAKS, ids=[b[0] for b in BREAKS])
def test_each_break_shows_in_its_requirement_only(what: str, requirement: str, status: str, breaks) -> None:
    base = statuses(w.conformant(), version="1.36") | statuses(w.conformant())
    got = statuses(breaks(w.conformant()), version="1.36") | statuses(breaks(w.conformant()))
    assert got[requirement] == status, what
    changed = {k for k in got if got[k] != base[k]}
    assert changed <= {requirement, "robust_controller"}, f"{what} changed {changed}"


def test_system_pods_may_touch_gpus() -> None:
    objs = [*w.conformant(), w.pod("driver", "gpu-operator", "gpu-1", env={"NVIDIA_VISIBLE_DEVICES": "all"})]
    assert statuses(objs)["secure_accelerator_access"] == IMPLEMENTED


def test_no_gpus_and_no_autoscaler_are_not_applicable_with_a_note() -> None:
    objs = [o for o in w.conformant() if not (o["kind"] == "Node" and o["metadata"]["name"].startswith("gpu"))]
    objs = w.without(objs, "Deployment", "cluster-autoscaler")
    ev = {e.requirement.id: e for e in gather(w.plan(), FakeReader(objs), checklist(V), now=NOW)}
    for rid in ("accelerator_metrics", "secure_accelerator_access", "cluster_autoscaling"):
        assert ev[rid].status == NA and ev[rid].notes and not ev[rid].blocking, rid


def test_a_karpenter_cluster_counts_as_an_autoscaler() -> None:
    objs = [*w.without(w.conformant(), "Deployment", "cluster-autoscaler"), w.crd("nodepools.karpenter.sh")]
    assert statuses(objs)["cluster_autoscaling"] == IMPLEMENTED


def test_volcano_gangs_count_and_partial_gangs_do_not() -> None:
    plan = make_plan("gpu-operator", "volcano", gpu_nodes=2)
    objs = [*w.without(w.conformant(), "CustomResourceDefinition", "workloads.kueue.x-k8s.io"),
            w.crd("podgroups.scheduling.volcano.sh"),
            {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
             "metadata": {"name": "mpi", "namespace": "team-a"}, "spec": {"minMember": 4},
             "status": {"phase": "Running", "running": 4}}]
    assert statuses(objs, plan)["gang_scheduling"] == IMPLEMENTED
    partial = w.edited(objs, "PodGroup", "mpi", _set("status.running", 2))
    assert statuses(partial, plan)["gang_scheduling"] == PARTIAL


def test_a_forbidden_kind_makes_its_requirement_undetermined_and_blocking() -> None:
    ev = {e.requirement.id: e for e in gather(w.plan(), FakeReader(w.conformant(), forbidden=[PODS]), checklist(V),
                                              now=NOW)}
    e = ev["secure_accelerator_access"]
    assert e.status == UNDETERMINED and e.blocking and "forbidden" in e.notes
    assert ev["ai_inference"].status == IMPLEMENTED  # the rest still run


def test_one_working_operator_is_enough() -> None:
    plan = make_plan("gpu-operator", "kueue", "kuberay", gpu_nodes=2)
    got = gather(plan, FakeReader(w.conformant()), checklist(V), now=NOW)
    e = next(x for x in got if x.requirement.id == "robust_controller")
    assert e.status == IMPLEMENTED
    assert any("kuberay" in f.message and f.outcome.value == "FAILED" for f in e.findings)  # kept as a note


def test_combine() -> None:
    assert combine([]) == UNDETERMINED
    assert combine([NA, NA]) == NA
    assert combine([IMPLEMENTED, NA]) == IMPLEMENTED
    assert combine([IMPLEMENTED, NOT_IMPLEMENTED]) == PARTIAL
    assert combine([UNDETERMINED, NOT_IMPLEMENTED]) == NOT_IMPLEMENTED
    assert combine([UNDETERMINED]) == UNDETERMINED


def test_kubeai_models_show_reconciliation_by_their_replicas_status() -> None:
    plan = make_plan("gpu-operator", "kubeai", gpu_nodes=2)
    model = {"apiVersion": "kubeai.org/v1", "kind": "Model", "metadata": {"name": "qwen", "namespace": "kubeai"},
             "spec": {"url": "ollama://qwen2:0.5b"}}
    objs = [*w.conformant(), *w.installed(plan), model]
    assert statuses(objs, plan)["robust_controller"] == NOT_IMPLEMENTED  # created, never reconciled
    model["status"] = {"replicas": {"all": 1, "ready": 1}}  # kubeai-project/kubeai api/k8s/v1/model_types.go
    assert statuses(objs, plan)["robust_controller"] == IMPLEMENTED


def test_gpu_sharing_from_the_labels_gpu_feature_discovery_writes() -> None:
    assert statuses(w.conformant(), version="1.36")["gpu_sharing"] == NOT_IMPLEMENTED
    sliced = w.edited(w.conformant(), "Node", "gpu-1", _set("metadata.labels", {
        "nvidia.com/gpu.present": "true", "nvidia.com/gpu.sharing-strategy": "time-slicing",
        "nvidia.com/gpu.replicas": "4"}))
    assert statuses(sliced, version="1.36")["gpu_sharing"] == IMPLEMENTED
    mig = w.edited(w.conformant(), "Node", "gpu-2", _set("status.allocatable", {"nvidia.com/mig-1g.10gb": "7"}))
    assert statuses(mig, version="1.36")["gpu_sharing"] == IMPLEMENTED
    labelled_none = w.edited(w.conformant(), "Node", "gpu-1", _set("metadata.labels", {
        "nvidia.com/gpu.present": "true", "nvidia.com/gpu.sharing-strategy": "none"}))
    assert statuses(labelled_none, version="1.36")["gpu_sharing"] == NOT_IMPLEMENTED
