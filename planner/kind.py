"""A kind cluster on a user's laptop, with simulated GPUs (fake-gpu-operator). Pure, except `find_tools`.

kind needs a container engine and pulls `kindest/node` images, so it cannot run on stackplan's CI
machines: the generated config and the command line are tested, with a recording stub `kind`.

Node images: kind only guarantees images built for its own release, pinned by digest. The table below
is "Images pre-built for this release" of kind v0.33.0
(https://github.com/kubernetes-sigs/kind/releases/tag/v0.33.0, quoted in polarsquad/krops#112);
kind v0.33.0 or newer is needed to use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from planner.errors import InputError
from planner.model import Blueprint, Plan, Release
from planner.values import digest, merge

KIND_RELEASE = "v0.33.0"
NODE_IMAGES: dict[str, str] = {
    "1.37": "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    "1.36": "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
    "1.35": "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
    "1.34": "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
}
# fake-gpu-operator assigns GPUs to nodes carrying this label; the value names the node pool
# (run-ai/fake-gpu-operator:deploy/fake-gpu-operator/values.yaml@v0.2.0, topology.nodePoolLabelKey).
GPU_POOL_LABEL = "run.ai/simulated-gpu-node-pool"
GPU_POOL = "default"
ENGINES = ("docker", "podman", "nerdctl")  # kind's node providers (pkg/cluster/provider.go DetectNodeProvider)
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$")
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True)
class KindCluster:
    name: str
    image: str
    workers: int = 1  # CPU workers
    gpu_nodes: int = 1
    gpus_per_node: int = 2  # fake-gpu-operator's default pool has 2 (Tesla-K80)
    wait: str = "5m"

    @property
    def context(self) -> str:
        return f"kind-{self.name}"  # the context kind writes into the kubeconfig


def node_image(kubernetes_version: str) -> tuple[str, str | None]:
    """(image, warning): the digest-pinned kindest/node image for a version like 1.35 or v1.35.8."""
    m = _VERSION.match(kubernetes_version.strip())
    if not m:
        raise InputError(f"--kubernetes-version {kubernetes_version!r}: expected a version like 1.35 or 1.35.8")
    minor = f"{m.group(1)}.{m.group(2)}"
    known = NODE_IMAGES.get(minor)
    if m.group(3) is None:
        if known is None:
            raise InputError(f"kind {KIND_RELEASE} publishes no node image for Kubernetes {minor}",
                             hint=f"use one of {', '.join(sorted(NODE_IMAGES))}, or a full version such as "
                                  f"{minor}.0 with an image you built (`kind build node-image`)")
        return known, None
    full = f"v{minor}.{m.group(3)}"
    if known and known.split("@")[0].endswith(":" + full):
        return known, None
    return (f"kindest/node:{full}",
            f"kindest/node:{full} is not among kind {KIND_RELEASE}'s pre-built images, so it is used by tag "
            f"without a digest; it may not work with your kind version")


def validate(cluster: KindCluster) -> None:
    if not _NAME.match(cluster.name):
        raise InputError(f"--name {cluster.name!r}: use lower-case letters, digits and '-' (at most 50)")
    counts = (("--workers", cluster.workers), ("--gpu-nodes", cluster.gpu_nodes), ("--gpus", cluster.gpus_per_node))
    for flag, n in counts:
        if n < 0:
            raise InputError(f"{flag} {n}: must be 0 or more")
    if cluster.gpu_nodes and not cluster.gpus_per_node:
        raise InputError("--gpus 0 with GPU nodes: set --gpu-nodes 0 for a cluster without GPUs")


def config(cluster: KindCluster) -> dict[str, Any]:
    """The kind.x-k8s.io/v1alpha4 Cluster: one control plane, CPU workers, GPU workers labelled for the pool."""
    nodes: list[dict[str, Any]] = [{"role": "control-plane", "image": cluster.image}]
    nodes += [{"role": "worker", "image": cluster.image} for _ in range(cluster.workers)]
    nodes += [{"role": "worker", "image": cluster.image, "labels": {GPU_POOL_LABEL: GPU_POOL}}
              for _ in range(cluster.gpu_nodes)]
    return {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4", "name": cluster.name, "nodes": nodes}


def create_args(cluster: KindCluster, config_path: str, kubeconfig: str) -> list[str]:
    """`kind create cluster …` arguments (without the executable)."""
    return ["create", "cluster", "--name", cluster.name, "--config", config_path, "--image", cluster.image,
            "--kubeconfig", kubeconfig, "--wait", cluster.wait]


def fake_gpu_values(cluster: KindCluster) -> dict[str, Any]:
    """Values for fake-gpu-operator: GPUs per node of the default pool (topology.nodePools, values.yaml@v0.2.0)."""
    return {"topology": {"nodePools": {GPU_POOL: {"gpuCount": cluster.gpus_per_node}}}}


def fake_gpu_plan(bp: Blueprint, cluster: KindCluster, kubernetes_version: str,
                  local_dir: str | None = None) -> Plan:
    """A one-release plan installing fake-gpu-operator with the cluster's GPUs per node (`local_dir`:
    the chart comes from that directory, `cluster create --chart-dir`)."""
    from planner.install import install_for

    values = merge(bp.values, fake_gpu_values(cluster))
    release = Release(
        id=bp.id, component=bp.id, layer=bp.layer, source=bp.source, version=bp.version, namespace=bp.namespace,
        needs=(), values=values, values_digest=digest(values), namespace_labels=dict(bp.namespace_labels),
        crds=bp.crds, workloads=bp.workloads, webhooks=bp.webhooks, images=bp.images,
        reason=f"simulated GPUs for kind cluster {cluster.name}",
        install=install_for(bp.id, bp.source, bp.version, local_dir=local_dir))
    return Plan(profile=f"kind:{cluster.name}", kubernetes_version=kubernetes_version,
                cluster={"kubernetesVersion": kubernetes_version,
                         "gpu": {"nodes": cluster.gpu_nodes, "perNode": cluster.gpus_per_node}},
                choices={}, waves=((bp.id,),), releases={bp.id: release})


def find_tools() -> tuple[str | None, list[str]]:
    """(kind path or None, container engine binaries on PATH in kind's preference order)."""
    import shutil

    return shutil.which("kind"), [e for e in ENGINES if shutil.which(e)]
