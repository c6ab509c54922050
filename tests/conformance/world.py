"""A conformant cluster as objects (upstream names and status shapes, cited in the check modules), and small
edits that break one requirement each. Used by the unit tests of the conformance checks."""

from __future__ import annotations

import copy
from typing import Any

from tests.checks.harness import make_plan

Obj = dict[str, Any]
GPU = "nvidia.com/gpu"


def crd(name: str) -> Obj:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": name},
            "status": {"conditions": [{"type": "Established", "status": "True"},
                                      {"type": "NamesAccepted", "status": "True"}]}}


def cond(kind: str, api: str, name: str, ns: str | None, ctype: str, spec: Obj | None = None,
         status: str = "True", **extra: Any) -> Obj:
    meta: Obj = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec or {},
            "status": {"conditions": [{"type": ctype, "status": status}], **extra}}


def node(name: str, gpus: int) -> Obj:
    labels = {"nvidia.com/gpu.present": "true"} if gpus else {}
    alloc = {GPU: str(gpus)} if gpus else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"capacity": dict(alloc), "allocatable": alloc,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def pod(name: str, ns: str, node_name: str, labels: Obj | None = None, gpus: int = 0, env: Obj | None = None) -> Obj:
    container: Obj = {"name": "main", "image": "registry.invalid/app:1"}
    if gpus:
        container["resources"] = {"limits": {GPU: str(gpus)}}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"nodeName": node_name, "containers": [container]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}


def daemonset(name: str, ns: str, labels: Obj) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}},
            "status": {"desiredNumberScheduled": 2, "numberReady": 2}}


def deployment(name: str, ns: str, labels: Obj | None = None) -> Obj:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}},
            "status": {"availableReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}}


def webhook(name: str, ns: str, service: str) -> Obj:
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name},
            "webhooks": [{"name": f"v.{name}", "clientConfig": {"service": {"namespace": ns, "name": service}}}]}


def service(name: str, ns: str, selector: Obj, labels: Obj | None = None) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"selector": selector}}


def slice_for(service_name: str, ns: str) -> Obj:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{service_name}-x", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": service_name}},
            "endpoints": [{"addresses": ["10.0.0.9"], "conditions": {"ready": True}}]}


DCGM_LABELS = {"app": "nvidia-dcgm-exporter"}
APP_LABELS = {"app": "llm"}


def conformant() -> list[Obj]:
    """Every MUST of the 1.35/1.36 checklists shown (plan: gpu-operator, kueue, kube-prometheus-stack stand-ins)."""
    objs: list[Obj] = [crd(n) for n in (
        "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io", "inferencepools.inference.networking.k8s.io",
        "workloads.kueue.x-k8s.io", "clusterqueues.kueue.x-k8s.io", "localqueues.kueue.x-k8s.io",
        "resourceflavors.kueue.x-k8s.io", "servicemonitors.monitoring.coreos.com",
        "podmonitors.monitoring.coreos.com", "prometheuses.monitoring.coreos.com",
        "clusterpolicies.nvidia.com", "nvidiadrivers.nvidia.com")]
    objs += [
        cond("GatewayClass", "gateway.networking.k8s.io/v1", "envoy", None, "Accepted",
             spec={"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}),
        node("gpu-1", 8), node("gpu-2", 8), node("cpu-1", 0),
        daemonset("nvidia-dcgm-exporter", "gpu-operator", DCGM_LABELS),
        pod("dcgm-a", "gpu-operator", "gpu-1", DCGM_LABELS), pod("dcgm-b", "gpu-operator", "gpu-2", DCGM_LABELS),
        service("nvidia-dcgm-exporter", "gpu-operator", DCGM_LABELS, {"app": "nvidia-dcgm-exporter"}),
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
         "metadata": {"name": "nvidia-dcgm-exporter", "namespace": "gpu-operator"},
         "spec": {"selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}}}},
        cond("Prometheus", "monitoring.coreos.com/v1", "kps", "monitoring", "Available",
             spec={"serviceMonitorSelector": {}, "podMonitorSelector": {}}),
        {"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
         "metadata": {"name": "job-train-1", "namespace": "team-a"},
         "spec": {"podSets": [{"name": "main", "count": 4}]},
         "status": {"conditions": [{"type": "Admitted", "status": "True"}],
                    "admission": {"clusterQueue": "gpu", "podSetAssignments": [{"name": "main", "count": 4}]}}},
        cond("ClusterQueue", "kueue.x-k8s.io/v1beta2", "gpu", None, "Active"),
        deployment("kueue-controller-manager", "kueue-system"),
        webhook("kueue-mutating-webhook-configuration", "kueue-system", "kueue-webhook-service"),
        webhook("kueue-validating-webhook-configuration", "kueue-system", "kueue-webhook-service"),
        service("kueue-webhook-service", "kueue-system", {"app": "kueue"}),
        slice_for("kueue-webhook-service", "kueue-system"),
        {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
         "metadata": {"name": "v1beta1.custom.metrics.k8s.io"},
         "status": {"conditions": [{"type": "Available", "status": "True"}]}},
        {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": "v1.resource.k8s.io"},
         "status": {"conditions": [{"type": "Available", "status": "True"}]}},
        deployment("llm", "serving", APP_LABELS), pod("llm-1", "serving", "gpu-1", APP_LABELS, gpus=2),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "llm", "namespace": "serving"},
         "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "llm"},
                  "metrics": [{"type": "Pods", "pods": {"metric": {"name": "vllm_num_requests_waiting"}}}]},
         "status": {"conditions": [{"type": "ScalingActive", "status": "True"}]}},
        deployment("cluster-autoscaler", "kube-system"),
        cond("ClusterPolicy", "nvidia.com/v1", "cluster-policy", None, "Ready", state="ready"),
    ]
    return objs


def plan():
    return make_plan("gpu-operator", "kueue", gpu_nodes=2)


def without(objs: list[Obj], kind: str, name: str | None = None) -> list[Obj]:
    return [o for o in objs if not (o["kind"] == kind and (name is None or o["metadata"]["name"] == name))]


def edited(objs: list[Obj], kind: str, name: str, change) -> list[Obj]:
    out = copy.deepcopy(objs)
    for o in out:
        if o["kind"] == kind and o["metadata"]["name"] == name:
            change(o)
    return out


def installed(plan) -> list[Obj]:
    """Every release of `plan` healthy as its blueprint declares it: CRDs established, workloads available,
    webhook configurations served by a Service with a ready endpoint."""
    out: list[Obj] = []
    for rel in plan.releases.values():
        out += [crd(n) for n in rel.crds]
        for wl in rel.workloads:
            ns = wl.namespace or rel.namespace
            if wl.kind == "Deployment":
                out.append(deployment(wl.name, ns))
            elif wl.kind == "DaemonSet":
                out.append(daemonset(wl.name, ns, {"app": wl.name}))
            elif wl.kind == "StatefulSet":
                out.append({"apiVersion": "apps/v1", "kind": "StatefulSet",
                            "metadata": {"name": wl.name, "namespace": ns},
                            "spec": {"replicas": 1}, "status": {"readyReplicas": 1}})
            else:
                out.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": wl.name, "namespace": ns},
                            "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}})
        for hook in rel.webhooks:
            out += [webhook(hook, rel.namespace, f"{hook}-svc"), service(f"{hook}-svc", rel.namespace, {"a": "b"}),
                    slice_for(f"{hook}-svc", rel.namespace)]
    return out
