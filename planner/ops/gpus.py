"""GPU inventory and allocation per node: allocatable, requested by the pods on the node, free, and (when
Prometheus scrapes the DCGM exporter) utilisation.

GPU nodes are those `ClusterView.gpu_nodes` finds (GPU feature discovery / NFD labels, fake-gpu-operator's
pool label, or `nvidia.com/gpu` capacity). A pod holds GPUs while it is bound to a node and not finished
(phase neither Succeeded nor Failed) — what the scheduler counts. Its request is the larger of the sum over
its containers and the largest init container (requests default to limits for extended resources;
k8s.io/api core/v1 ResourceRequirements, kubernetes/pkg/api/v1/resource/helpers.go PodRequests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from planner.checks import k8s
from planner.checks.view import GPU_NODE_LABELS, GPU_RESOURCE
from planner.cluster import Reader
from planner.kinds import NODES, PODS
from planner.ops.common import Lists, Obj, int_or_zero

# node name -> {"avg": percent, "gpus": {gpu index: percent}}, or a string saying why there is none
Utilisation = Callable[[], "dict[str, dict[str, Any]] | str"]
DONE = ("Succeeded", "Failed")


def _container_gpus(c: Obj) -> int:
    res = c.get("resources") or {}
    value = (res.get("requests") or {}).get(GPU_RESOURCE, (res.get("limits") or {}).get(GPU_RESOURCE))
    return int_or_zero(value)


def pod_gpus(pod: Obj) -> int:
    """GPUs a pod requests: max(sum over containers, largest init container)."""
    spec = pod.get("spec") or {}
    main = sum(_container_gpus(c) for c in spec.get("containers") or [])
    init = max((_container_gpus(c) for c in spec.get("initContainers") or []), default=0)
    return max(main, init)


def is_gpu_node(node: Obj) -> bool:
    labels = k8s.meta(node).get("labels") or {}
    capacity = (node.get("status") or {}).get("capacity") or {}
    return GPU_RESOURCE in capacity or any(
        labels.get(k) == "true" or (k.startswith("run.ai") and k in labels) for k in GPU_NODE_LABELS)


def gpus(reader: Reader, *, node: str | None = None, utilisation: Utilisation | None = None) -> dict[str, Any]:
    """Every GPU node with allocatable, requested and free GPUs and the pods holding them (one node with `node`)."""
    lists = Lists(reader)
    nodes = [n for n in lists.get(NODES) if is_gpu_node(n) and (node is None or k8s.name(n) == node)]
    holders: dict[str, list[Obj]] = defaultdict(list)
    for p in lists.get(PODS):
        where = (p.get("spec") or {}).get("nodeName")
        if where and (p.get("status") or {}).get("phase") not in DONE and pod_gpus(p) > 0:
            holders[where].append(p)
    metrics: dict[str, dict[str, Any]] = {}
    note = None
    if utilisation is not None:
        answer = utilisation()
        if isinstance(answer, str):
            note = answer
        else:
            metrics = answer
    out: list[dict[str, Any]] = []
    for n in sorted(nodes, key=k8s.name):
        name = k8s.name(n)
        st, labels = n.get("status") or {}, k8s.meta(n).get("labels") or {}
        allocatable = int_or_zero((st.get("allocatable") or {}).get(GPU_RESOURCE))
        capacity = int_or_zero((st.get("capacity") or {}).get(GPU_RESOURCE))
        pods = sorted(holders.get(name, []), key=lambda p: (k8s.namespace(p) or "", k8s.name(p)))
        requested = sum(pod_gpus(p) for p in pods)
        ready = k8s.is_true(n, "Ready")
        unschedulable = bool((n.get("spec") or {}).get("unschedulable"))
        entry: dict[str, Any] = {
            "node": name,
            "product": labels.get("nvidia.com/gpu.product"),
            "capacity": capacity,
            "allocatable": allocatable,
            "requested": requested,
            "free": max(allocatable - requested, 0),
            "saturated": allocatable > 0 and requested >= allocatable,
            "ready": ready,
            "schedulable": not unschedulable,
            "pods": [{"namespace": k8s.namespace(p), "name": k8s.name(p), "gpus": pod_gpus(p),
                      "phase": (p.get("status") or {}).get("phase")} for p in pods],
        }
        if name in metrics:
            entry["utilisation"] = metrics[name]
        out.append(entry)
    total = {k: sum(e[k] for e in out) for k in ("capacity", "allocatable", "requested", "free")}
    answer: dict[str, Any] = {"nodes": out, "total": total,
                              "saturated": [e["node"] for e in out if e["saturated"]]}
    if utilisation is not None:
        answer["utilisationSource"] = note or "DCGM exporter via Prometheus (DCGM_FI_DEV_GPU_UTIL, last 5 minutes)"
    if lists.unread:
        answer["unread"] = lists.unread
    return answer
