"""HC012: every GPU node advertises allocatable `nvidia.com/gpu`.

GPU nodes are those labelled by GPU feature discovery (`nvidia.com/gpu.present=true`), NFD's PCI rule
(`feature.node.kubernetes.io/pci-10de.present=true`) or fake-gpu-operator (`run.ai/simulated-gpu-node-pool`).
The device plugin sets `.status.allocatable["nvidia.com/gpu"]` (NVIDIA/cloud-native-docs:
gpu-operator/getting-started.rst "Verifying Operator Health"; run-ai/fake-gpu-operator:README.md).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import GPU_RESOURCE, ClusterView
from planner.kinds import NODES
from planner.report import Finding, Severity


class GpuAllocatable(Check):
    id = "HC012"
    title = "GPU nodes advertise allocatable nvidia.com/gpu"
    components = ("gpu-operator", "fake-gpu-operator")
    severity = Severity.CRITICAL
    reads = (NODES,)
    remediation = ("Check the device plugin pod on the node (nvidia-device-plugin-daemonset, or device-plugin for "
                   "fake-gpu-operator) and the driver/validator on it (HC011); GPUs in use by MIG reconfiguration "
                   "are temporarily 0.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        nodes, out = view.gpu_nodes(), []
        for node in nodes:
            st = node.get("status") or {}
            alloc = (st.get("allocatable") or {}).get(GPU_RESOURCE)
            cap = (st.get("capacity") or {}).get(GPU_RESOURCE)
            evidence = [f"{k8s.ref(node)} .status.allocatable[nvidia.com/gpu]={alloc} "
                        f".status.capacity[nvidia.com/gpu]={cap}"]
            labels = k8s.meta(node).get("labels") or {}
            if labels.get("nvidia.com/gpu.count"):
                evidence.append(f"label nvidia.com/gpu.count={labels['nvidia.com/gpu.count']}")
            if alloc is None or str(alloc) in ("0", ""):
                out.append(self.failed(k8s.subject(node),
                                       f"GPU node {k8s.name(node)} has no allocatable nvidia.com/gpu",
                                       evidence=evidence, sensitive=(k8s.name(node),), facts={"node": k8s.name(node)}))
            else:
                out.append(self.passed(k8s.subject(node), f"GPU node {k8s.name(node)} has {alloc} allocatable GPU(s)",
                                       evidence=evidence, sensitive=(k8s.name(node),)))
        if not nodes:
            expected = view.gpu_nodes_expected()
            if expected:
                out.append(self.failed(self.scope("GPU nodes"), f"the plan expects {expected} GPU node(s) but no node "
                                       "carries GPU labels or nvidia.com/gpu capacity",
                                       evidence=["no node labelled nvidia.com/gpu.present=true, "
                                                 "feature.node.kubernetes.io/pci-10de.present=true or "
                                                 "run.ai/simulated-gpu-node-pool"],
                                       remediation="check node-feature-discovery and gpu-feature-discovery pods "
                                                   "(NFDLabelsMissing), or label nodes for fake-gpu-operator"))
            else:
                out.append(self.passed(self.scope("GPU nodes"), "no GPU nodes in the cluster and none expected"))
        return out
