"""HC010: the GPU Operator's ClusterPolicy reports `ready`.

`status.state` is one of ignored|ready|notReady|disabled, with conditions `Ready` and `Error`
(NVIDIA/gpu-operator:api/nvidia/v1/clusterpolicy_types.go@v26.7.0, internal/conditions/consts.go@v26.7.0:
reasons DriverNotReady, OperandNotReady, NoGPUNodes, NFDLabelsMissing, ...). The chart creates
`cluster-policy` when clusterPolicy.deployCR=true (component-facts.md §1).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import CLUSTER_POLICIES
from planner.report import Finding, Severity, Subject


class GpuClusterPolicyReady(Check):
    id = "HC010"
    title = "The GPU Operator ClusterPolicy is ready"
    components = ("gpu-operator",)
    severity = Severity.CRITICAL
    reads = (CLUSTER_POLICIES,)
    remediation = ("kubectl get clusterpolicy -o yaml: the Error condition names the operand that is not ready; "
                   "then look at that operand's pods in the gpu-operator namespace (driver and validator first).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        policies = view.list(CLUSTER_POLICIES)
        if not policies:
            return [self.failed(Subject("ClusterPolicy", "cluster-policy"), "no ClusterPolicy exists",
                                evidence=["ClusterPolicy list is empty"],
                                remediation="install the chart with clusterPolicy.deployCR=true (the default), "
                                            "or create a ClusterPolicy")]
        out = []
        for cp in policies:
            state = (cp.get("status") or {}).get("state")
            evidence = [f"{k8s.ref(cp)} .status.state={state}"]
            if k8s.condition(cp, "Error"):
                evidence.append(k8s.describe_condition(cp, "Error"))
            if state == "ready":
                out.append(self.passed(k8s.subject(cp), f"ClusterPolicy {k8s.name(cp)} is ready", evidence=evidence))
            elif state in ("ignored", "disabled"):
                out.append(self.failed(k8s.subject(cp), f"ClusterPolicy {k8s.name(cp)} is {state}", evidence=evidence,
                                       severity=Severity.MEDIUM,
                                       remediation="only one ClusterPolicy is reconciled; delete the extra one"))
            else:
                reason = (k8s.condition(cp, "Error") or {}).get("reason") or "no state reported yet"
                out.append(self.failed(k8s.subject(cp), f"ClusterPolicy {k8s.name(cp)} is {state or 'not ready'} "
                                       f"({reason})", evidence=evidence))
        return out
