"""HC023: no Kueue Workload is inadmissible.

A Workload that cannot reserve quota has condition QuotaReserved=False with reason `Inadmissible`
(LocalQueue/ClusterQueue missing or inactive) — or, with the UnadmittedWorkloadsObservability gate,
`Misconfigured`, `Suspended`, `NoMatchingFlavor` or `ExceedsMaxQuota`; message e.g. "LocalQueue x doesn't
exist" (kubernetes-sigs/kueue:apis/kueue/v1beta2/workload_types.go@v0.19.2,
pkg/controller/core/workload_controller.go@v0.19.2 getQueueBlocker). Waiting for quota is not a failure.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.kueue_localqueues import cluster_queue_of
from planner.checks.view import ClusterView
from planner.kinds import KUEUE_WORKLOADS, LOCAL_QUEUES
from planner.report import Finding, Severity

BLOCKED = frozenset({"Inadmissible", "Misconfigured", "Suspended", "NoMatchingFlavor", "ExceedsMaxQuota"})


class KueueWorkloadsAdmissible(Check):
    id = "HC023"
    title = "Kueue workloads are admissible"
    components = ("kueue",)
    severity = Severity.HIGH
    reads = (KUEUE_WORKLOADS, LOCAL_QUEUES)
    remediation = ("Fix what the QuotaReserved message names: create the LocalQueue/ClusterQueue, re-activate it, "
                   "add a ResourceFlavor matching the workload, or lower its requests below the queue's quota.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        workloads, out, waiting = view.list(KUEUE_WORKLOADS), [], 0
        for wl in workloads:
            qr = k8s.condition(wl, "QuotaReserved")
            if not qr or qr.get("status") == "True" or k8s.is_true(wl, "Finished"):
                continue
            if qr.get("reason") not in BLOCKED:
                waiting += 1
                continue
            queue = (wl.get("spec") or {}).get("queueName")
            cq = ((wl.get("status") or {}).get("admission") or {}).get("clusterQueue") \
                or cluster_queue_of(view, k8s.namespace(wl), queue)
            out.append(self.failed(k8s.subject(wl), f"Workload {k8s.namespace(wl)}/{k8s.name(wl)} is inadmissible: "
                                   f"{qr.get('message') or qr.get('reason')}",
                                   evidence=[k8s.describe_condition(wl, "QuotaReserved"), f".spec.queueName={queue}"],
                                   sensitive=view.sensitive(wl) + ((queue,) if queue else ()),
                                   facts={"localQueue": queue, "clusterQueue": cq}))
        if not out:
            out.append(self.passed(self.scope("Workloads"), f"{len(workloads)} Workload(s), none inadmissible "
                                   f"({waiting} waiting for quota)"))
        return out
