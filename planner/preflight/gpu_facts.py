"""PF003: the GPU facts in stackplan.yaml (`cluster.gpu`: nodes, perNode, type, driversPreinstalled) match the nodes.

What the nodes say: GPU nodes are those labelled by GPU feature discovery, NFD's PCI rule or fake-gpu-operator,
or advertising `nvidia.com/gpu` capacity (planner/checks/view.py gpu_nodes); GPUs per node come from
`.status.capacity["nvidia.com/gpu"]` (the device plugin) or GFD's `nvidia.com/gpu.count` label; the product
from GFD's `nvidia.com/gpu.product`; a driver already on the host from GFD's `nvidia.com/cuda.driver-version.major`
(NVIDIA/k8s-device-plugin:docs/gpu-feature-discovery/README.md "Generated Labels"). Before anything NVIDIA
runs, a bare-metal GPU node may carry none of these: a fact the nodes do not show is not compared. The plan
installs the driver unless `driversPreinstalled: true` (GPU Operator `driver.enabled`, values.yaml@v26.7.0); a
second driver on a host that has one fails to load (NVIDIA/cloud-native-docs gpu-operator/getting-started.rst,
"pre-installed drivers").
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import GPU_RESOURCE
from planner.kinds import DAEMONSETS, NODES
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject

PRODUCT_LABEL = "nvidia.com/gpu.product"
COUNT_LABEL = "nvidia.com/gpu.count"
DRIVER_LABEL = "nvidia.com/cuda.driver-version.major"
DRIVER_DAEMONSET = "nvidia-driver-daemonset"  # NVIDIA/gpu-operator:assets/state-driver/0500_daemonset.yaml@v26.7.0


def gpus_of(node: dict) -> int | None:
    """The node's GPUs: capacity from the device plugin, else GFD's count label, else unknown."""
    st = node.get("status") or {}
    for value in ((st.get("capacity") or {}).get(GPU_RESOURCE), (k8s.meta(node).get("labels") or {}).get(COUNT_LABEL)):
        try:
            if value is not None:
                return int(str(value))
        except ValueError:
            continue
    return None


class GpuFactsMatchNodes(Check):
    id = "PF003"
    title = "The stack file's GPU facts match the cluster's nodes"
    severity = Severity.HIGH
    reads = (NODES, DAEMONSETS)
    remediation = ("Correct cluster.gpu in stackplan.yaml (nodes, perNode, type, driversPreinstalled) to what the "
                   "nodes have, then plan again: quotas, the GPU flavor and the driver install follow from it.")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        gpu = (view.plan.cluster or {}).get("gpu") or {}
        want_nodes = int(gpu.get("nodes", 0) or 0)
        per_node, product = gpu.get("perNode"), gpu.get("type")
        nodes = view.gpu_nodes()
        out: list[Finding] = []
        scope = self.scope("GPU nodes")
        names = sorted(k8s.name(n) for n in nodes)
        facts = " ".join(f"{k}={v}" for k, v in gpu.items())
        evidence = [f"{len(nodes)} GPU node(s): {', '.join(names) or 'none'}; the plan's cluster.gpu: {facts}"]
        if len(nodes) != want_nodes:
            hint = (" (with nodes: 0 the plan installs fake-gpu-operator instead of the GPU Operator)"
                    if want_nodes == 0 else
                    " (GPU nodes not yet labelled by NFD/GFD and without the device plugin are not counted)"
                    if len(nodes) < want_nodes else "")
            out.append(self.failed(scope, f"cluster.gpu.nodes is {want_nodes}, the cluster has {len(nodes)} GPU "
                                   f"node(s){hint}", evidence=evidence,
                                   remediation=f"set cluster.gpu.nodes: {len(nodes)} in stackplan.yaml"))
        driver_managed = any(view.get(DAEMONSETS, DRIVER_DAEMONSET, r.namespace) is not None
                             for r in view.releases_of("gpu-operator"))
        for node in nodes:
            name, labels = k8s.name(node), k8s.meta(node).get("labels") or {}
            subject = Subject("Node", name)
            count = gpus_of(node)
            if per_node and count is not None and count != int(per_node):
                out.append(self.failed(subject, f"node {name} has {count} GPU(s), cluster.gpu.perNode is "
                                       f"{per_node}", evidence=[f"{k8s.ref(node)} GPUs={count} (capacity or "
                                                                f"{COUNT_LABEL})"], sensitive=(name,),
                                       remediation=f"set cluster.gpu.perNode: {count} in stackplan.yaml"))
            have_product = labels.get(PRODUCT_LABEL)
            if product and have_product and have_product != product:
                out.append(self.failed(subject, f"node {name} has {have_product}, cluster.gpu.type is "
                                       f"{product}", evidence=[f"label {PRODUCT_LABEL}={have_product}"],
                                       sensitive=(name,), severity=Severity.MEDIUM,
                                       remediation=f"set cluster.gpu.type: {have_product} (the Kueue GPU flavor "
                                                   "selects nodes by this label)"))
            driver = labels.get(DRIVER_LABEL)
            if driver and not gpu.get("driversPreinstalled") and not driver_managed and "gpu-operator" in \
                    view.components:
                out.append(self.failed(subject, f"node {name} already has NVIDIA driver {driver}.x, but the plan "
                                       "installs one (driversPreinstalled is not true)",
                                       evidence=[f"label {DRIVER_LABEL}={driver}",
                                                 f"no {DRIVER_DAEMONSET} of the plan's GPU Operator"],
                                       sensitive=(name,),
                                       remediation="set cluster.gpu.driversPreinstalled: true in stackplan.yaml "
                                                   "(the GPU Operator then runs with driver.enabled=false)"))
        if not out:
            out.append(self.passed(scope, f"{len(nodes)} GPU node(s), as cluster.gpu says", evidence=evidence))
        return out
