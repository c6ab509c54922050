"""HC011: the GPU Operator's validator pods pass every validation.

DaemonSet `nvidia-operator-validator` (pod label app=nvidia-operator-validator) runs init containers
driver-validation, toolkit-validation, cuda-validation, plugin-validation in that order
(NVIDIA/gpu-operator:assets/state-operator-validation/0500_daemonset.yaml@v26.7.0). An init container
stuck in CrashLoopBackOff names the broken layer: Init:CrashLoopBackOff in driver-validation is a driver problem.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import EVENTS, NODES, PODS
from planner.report import Finding, Severity, Subject

VALIDATOR_LABEL = ("app", "nvidia-operator-validator")
MEANING = {
    "driver-validation": ("the NVIDIA driver is not loaded on the node",
                          "Check the nvidia-driver-daemonset pod on that node (kubectl logs -c nvidia-driver-ctr): "
                          "kernel headers, secure boot, or a preinstalled driver conflicting with "
                          "driver.enabled=true."),
    "toolkit-validation": ("the NVIDIA Container Toolkit is not configured in the container runtime",
                           "Check nvidia-container-toolkit-daemonset logs and the runtime config "
                           "(toolkit.enabled=false if the host already has the toolkit)."),
    "cuda-validation": ("a CUDA workload cannot run on the node",
                        "Look at the nvidia-cuda-validator pod's log on that node; driver/CUDA version mismatch."),
    "plugin-validation": ("the device plugin does not advertise nvidia.com/gpu on the node",
                          "Check nvidia-device-plugin-daemonset logs on that node (HC012 shows allocatable)."),
}


class GpuValidatorPassing(Check):
    id = "HC011"
    title = "The GPU Operator validator passes on every GPU node"
    components = ("gpu-operator",)
    severity = Severity.CRITICAL
    reads = (PODS, NODES, EVENTS)
    remediation = "kubectl -n NS logs POD -c <validation container>"

    def evaluate(self, view: ClusterView) -> list[Finding]:
        namespaces = {r.namespace for r in view.releases_of("gpu-operator")}
        key, value = VALIDATOR_LABEL
        pods = [p for p in view.in_namespaces(PODS, namespaces) if (k8s.meta(p).get("labels") or {}).get(key) == value]
        out = []
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName", "?")
            trouble = k8s.pod_trouble(pod)
            phase = (pod.get("status") or {}).get("phase")
            if trouble is None:
                if phase == "Running":
                    out.append(self.passed(k8s.subject(pod), f"validator passed on node {node}",
                                           evidence=[f"{k8s.ref(pod)} .status.phase=Running"], sensitive=(node,)))
                    continue
                out.append(self.failed(k8s.subject(pod), f"validator on node {node} is "
                                       f"{phase or 'not running'}",
                                       evidence=[f"{k8s.ref(pod)} .status.phase={phase}",
                                                 *view.events_or_empty(pod)], severity=Severity.HIGH,
                                       sensitive=(node,), facts={"node": node}))
                continue
            reason, detail = trouble
            container = k8s.trouble_container(pod) or ""
            meaning, fix = MEANING.get(container, ("a validation step fails", self.remediation))
            out.append(self.failed(k8s.subject(pod), f"validator on node {node} is {reason} in {container}: {meaning}",
                                   evidence=[detail, *view.events_or_empty(pod)], remediation=fix, sensitive=(node,),
                                   facts={"node": node, "container": container, "reason": reason}))
        if not pods:
            gpu_nodes = view.gpu_nodes()
            if gpu_nodes:
                out.append(self.failed(Subject("DaemonSet", "nvidia-operator-validator", next(iter(namespaces), None)),
                                       f"no validator pods although {len(gpu_nodes)} GPU node(s) exist",
                                       evidence=[f"no pod labelled app=nvidia-operator-validator in "
                                                 f"{', '.join(sorted(namespaces))}"], severity=Severity.HIGH,
                                       remediation="check the ClusterPolicy (HC010) and the gpu-operator Deployment"))
            else:
                out.append(self.passed(self.scope("GPU nodes"), "no GPU nodes, so no validator pods expected"))
        return out
