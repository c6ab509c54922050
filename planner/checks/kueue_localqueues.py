"""HC021: Kueue LocalQueues are Active (their ClusterQueue exists and is active).

Condition `Active` (kubernetes-sigs/kueue:apis/kueue/v1beta2/localqueue_types.go@v0.19.2, LocalQueueActive).
The LocalQueue stackplan creates (`default` in the workload namespace, planner/emit/crs.py) must exist.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.declared import missing
from planner.checks.view import ClusterView
from planner.kinds import LOCAL_QUEUES
from planner.report import Finding, Severity


def cluster_queue_of(view: ClusterView, namespace: str | None, local_queue: str | None) -> str | None:
    """The ClusterQueue a LocalQueue points at (spec.clusterQueue), None when unknown or unreadable."""
    from planner.cluster import ReadError

    if not local_queue or not namespace:
        return None
    try:
        lq = view.get(LOCAL_QUEUES, local_queue, namespace)
    except ReadError:
        return None
    return ((lq or {}).get("spec") or {}).get("clusterQueue")


class KueueLocalQueuesActive(Check):
    id = "HC021"
    title = "Kueue LocalQueues are active"
    components = ("kueue",)
    severity = Severity.MEDIUM
    reads = (LOCAL_QUEUES,)
    remediation = "Point spec.clusterQueue at an existing, active ClusterQueue (HC020)."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        queues = view.list(LOCAL_QUEUES)
        out = missing(self, view, "LocalQueue", queues, "Kueue LocalQueue")
        for lq in queues:
            if not k8s.is_true(lq, "Active"):
                cq = (lq.get("spec") or {}).get("clusterQueue")
                out.append(self.failed(k8s.subject(lq), f"LocalQueue {k8s.namespace(lq)}/{k8s.name(lq)} "
                                       f"(ClusterQueue {cq}) is not active",
                                       evidence=[k8s.describe_condition(lq, "Active"), f".spec.clusterQueue={cq}"],
                                       sensitive=(k8s.name(lq), k8s.namespace(lq) or "", cq or ""),
                                       facts={"clusterQueue": cq}))
        if not out:
            out.append(self.passed(self.scope("LocalQueues"), f"{len(queues)} LocalQueue(s) active"))
        return out
