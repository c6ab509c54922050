"""HC020: Kueue ClusterQueues are Active.

Condition `Active` with reasons Ready | FlavorNotFound | AdmissionCheckNotFound | AdmissionCheckInactive |
TopologyNotFound | Stopped | Terminating ... (kubernetes-sigs/kueue:apis/kueue/v1beta2/clusterqueue_types.go@v0.19.2).
An inactive ClusterQueue admits nothing: every workload behind it stays gated. The ClusterQueue stackplan creates
(`stackplan`, planner/desired/objects.py) must exist.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.declared import missing
from planner.checks.view import ClusterView
from planner.kinds import CLUSTER_QUEUES
from planner.report import Finding, Severity

FIXES = {
    "FlavorNotFound": "Create the ResourceFlavor(s) the ClusterQueue's resourceGroups name.",
    "AdmissionCheckNotFound": "Create the AdmissionCheck(s) it lists, or remove them from spec.admissionChecks.",
    "TopologyNotFound": "Create the Topology its ResourceFlavor references.",
    "Stopped": "spec.stopPolicy is set; set it to None to admit workloads again.",
}


class KueueClusterQueuesActive(Check):
    id = "HC020"
    title = "Kueue ClusterQueues are active"
    components = ("kueue",)
    severity = Severity.HIGH
    reads = (CLUSTER_QUEUES,)
    remediation = "kubectl get clusterqueue NAME -o yaml; fix what the Active condition's message names."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        queues = view.list(CLUSTER_QUEUES)
        out = missing(self, view, "ClusterQueue", queues, "Kueue ClusterQueue")
        for cq in queues:
            if k8s.is_true(cq, "Active"):
                out.append(self.passed(k8s.subject(cq), f"ClusterQueue {k8s.name(cq)} is active",
                                       evidence=[k8s.describe_condition(cq, "Active")], sensitive=(k8s.name(cq),)))
                continue
            reason = (k8s.condition(cq, "Active") or {}).get("reason", "")
            out.append(self.failed(k8s.subject(cq), f"ClusterQueue {k8s.name(cq)} is not active"
                                   + (f" ({reason})" if reason else ""),
                                   evidence=[k8s.describe_condition(cq, "Active")],
                                   remediation=FIXES.get(reason, self.remediation), sensitive=(k8s.name(cq),)))
        if not queues and not out:
            out.append(self.passed(self.scope("ClusterQueues"),
                                   "no ClusterQueues defined yet (Kueue admits nothing until one exists)"))
        return out
