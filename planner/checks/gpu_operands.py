"""HC013: the GPU Operator's driver, toolkit and device-plugin DaemonSets run on every GPU node.

Operand DaemonSets `nvidia-driver-daemonset`, `nvidia-container-toolkit-daemonset`,
`nvidia-device-plugin-daemonset` (NVIDIA/gpu-operator:assets/state-{driver,container-toolkit,device-plugin}/
0500_daemonset.yaml@v26.7.0) select nodes labelled nvidia.com/gpu.deploy.<operand>=true. The driver and
toolkit are skipped when driver.enabled / toolkit.enabled are false (values.yaml@v26.7.0).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DAEMONSETS, NODES
from planner.report import Finding, Severity, Subject

OPERANDS = (("driver", "nvidia-driver-daemonset"), ("toolkit", "nvidia-container-toolkit-daemonset"),
            ("devicePlugin", "nvidia-device-plugin-daemonset"))


def _enabled(values: dict, key: str) -> bool:
    section = values.get(key) or {}
    return section.get("enabled", True) is not False


class GpuOperandsScheduled(Check):
    id = "HC013"
    title = "GPU driver, toolkit and device plugin run on every GPU node"
    components = ("gpu-operator",)
    severity = Severity.HIGH
    reads = (DAEMONSETS, NODES)
    remediation = ("If the DaemonSet schedules on fewer nodes than there are GPU nodes, check the nodes' "
                   "nvidia.com/gpu.deploy.* labels and taints (tolerate nvidia.com/gpu); if pods are not ready, "
                   "read their logs.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        gpu_nodes = len(view.gpu_nodes())
        out = []
        for rel in view.releases_of("gpu-operator"):
            for key, ds_name in OPERANDS:
                if not _enabled(dict(rel.values), key):
                    continue
                ds = view.get(DAEMONSETS, ds_name, rel.namespace)
                subject = Subject("DaemonSet", ds_name, rel.namespace)
                if ds is None:
                    if gpu_nodes:
                        out.append(self.failed(subject, f"{ds_name} does not exist although {gpu_nodes} GPU node(s) "
                                               "exist", evidence=[f"DaemonSet/{rel.namespace}/{ds_name} not found"],
                                               remediation="the operator creates it from the ClusterPolicy: check "
                                                           "HC010 and the gpu-operator Deployment's log"))
                    continue
                st = ds.get("status") or {}
                desired, ready = st.get("desiredNumberScheduled", 0), st.get("numberReady", 0)
                evidence = [f"{k8s.ref(ds)} .status.desiredNumberScheduled={desired} numberReady={ready}; "
                            f"{gpu_nodes} GPU node(s)"]
                if desired < gpu_nodes:
                    out.append(self.failed(subject, f"{ds_name} is scheduled on {desired} of {gpu_nodes} GPU nodes",
                                           evidence=evidence))
                elif ready < desired:
                    out.append(self.failed(subject, f"{ds_name} is ready on {ready} of {desired} nodes",
                                           evidence=evidence))
                else:
                    out.append(self.passed(subject, f"{ds_name} ready on {ready} node(s)", evidence=evidence))
        return out
