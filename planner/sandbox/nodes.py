"""Simulated (kwok) nodes: CPU nodes and GPU nodes labelled like GPU feature discovery does."""

from __future__ import annotations

import time
from dataclasses import dataclass

from planner.sandbox.kube import Kube, KubeError, path_for

KWOK_ANNOTATION = {"kwok.x-k8s.io/node": "fake"}


@dataclass(frozen=True)
class GpuType:
    """What GPU feature discovery reports for one GPU model (memory in MiB, as nvidia-smi)."""

    product: str
    memory_mib: int
    family: str
    compute: tuple[int, int]
    mig_capable: bool = False


# Product strings are sanitised as GFD does (spaces become '-'); family names follow GFD's
# getArchFamily (NVIDIA/k8s-device-plugin internal/lm/resource.go).
GPU_TYPES: dict[str, GpuType] = {
    "h100": GpuType("NVIDIA-H100-80GB-HBM3", 81559, "hopper", (9, 0), True),
    "a100": GpuType("NVIDIA-A100-SXM4-80GB", 81920, "ampere", (8, 0), True),
    "a100-40gb": GpuType("NVIDIA-A100-SXM4-40GB", 40960, "ampere", (8, 0), True),
    "a10g": GpuType("NVIDIA-A10G", 23028, "ampere", (8, 6)),
    "l40s": GpuType("NVIDIA-L40S", 46068, "ada-lovelace", (8, 9)),
    "l4": GpuType("NVIDIA-L4", 23034, "ada-lovelace", (8, 9)),
    "t4": GpuType("Tesla-T4", 15360, "turing", (7, 5)),
}
DEFAULT_GPU_TYPE = "a100"


def gpu_labels(gpu_type: str, count: int) -> dict[str, str]:
    """The node labels GPU feature discovery (plus NFD's PCI rule) sets for ``count`` GPUs."""
    t = GPU_TYPES[gpu_type]
    return {
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": t.product,
        "nvidia.com/gpu.count": str(count),
        "nvidia.com/gpu.replicas": "1",
        "nvidia.com/gpu.memory": str(t.memory_mib),
        "nvidia.com/gpu.family": t.family,
        "nvidia.com/gpu.compute.major": str(t.compute[0]),
        "nvidia.com/gpu.compute.minor": str(t.compute[1]),
        "nvidia.com/mig.capable": str(t.mig_capable).lower(),
        "nvidia.com/gpu.machine": "stackplan-sandbox",
        "feature.node.kubernetes.io/pci-10de.present": "true",
    }


def node_manifest(name: str, *, cpu: str = "32", memory: str = "256Gi", pods: str = "110",
                  gpus: int = 0, gpu_type: str = DEFAULT_GPU_TYPE,
                  labels: dict[str, str] | None = None,
                  taints: list[dict] | None = None) -> dict:
    """A Node object that kwok will manage. GPU nodes advertise ``nvidia.com/gpu``."""
    if gpus and gpu_type not in GPU_TYPES:
        raise ValueError(f"unknown GPU type {gpu_type!r}; known: {', '.join(sorted(GPU_TYPES))}")
    resources = {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "500Gi"}
    all_labels = {
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "type": "kwok", "node.stackplan.dev/simulated": "true",
    }
    if gpus:
        resources["nvidia.com/gpu"] = str(gpus)
        all_labels.update(gpu_labels(gpu_type, gpus))
    all_labels.update(labels or {})
    node: dict = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "annotations": dict(KWOK_ANNOTATION), "labels": all_labels},
        "spec": {},
        "status": {"capacity": resources, "allocatable": dict(resources)},
    }
    if taints:
        node["spec"]["taints"] = taints
    return node


def create_nodes(kube: Kube, manifests: list[dict], wait: float | None = 60.0, workers: int = 8) -> list[str]:
    """Create the nodes (with status: kwok keeps the capacity it finds) and wait until Ready."""
    from concurrent.futures import ThreadPoolExecutor

    def one(m: dict) -> str:
        try:
            kube.create(path_for("nodes"), m)
        except KubeError as exc:
            if exc.status != 409:
                raise
        return m["metadata"]["name"]

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(manifests)))) as pool:
        names = list(pool.map(one, manifests))
    if wait:
        wait_ready(kube, names, wait)
    return names


def add_nodes(kube: Kube, *, cpu_nodes: int = 0, gpu_nodes: int = 0, gpus_per_node: int = 8,
              gpu_type: str = DEFAULT_GPU_TYPE, prefix: str = "kwok", wait: float | None = 60.0) -> list[str]:
    """Create ``cpu_nodes`` CPU nodes and ``gpu_nodes`` GPU nodes; returns their names."""
    manifests = [node_manifest(f"{prefix}-cpu-{i}") for i in range(cpu_nodes)]
    manifests += [node_manifest(f"{prefix}-gpu-{i}", gpus=gpus_per_node, gpu_type=gpu_type)
                  for i in range(gpu_nodes)]
    return create_nodes(kube, manifests, wait)


def is_ready(node: dict) -> bool:
    conds = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def wait_ready(kube: Kube, names: list[str], timeout: float = 60.0) -> None:
    """Wait until every named node reports Ready (kwok's node-initialize stage)."""
    pending = set(names)
    deadline = time.monotonic() + timeout
    while pending:
        ready = {n["metadata"]["name"] for n in kube.items(path_for("nodes")) if is_ready(n)}
        pending -= ready
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nodes not Ready after {timeout:.0f}s: {', '.join(sorted(pending))}")
        time.sleep(0.2)
