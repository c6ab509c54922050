"""HC022: no pod waits on Kueue's admission gate for long.

Kueue's pod integration adds scheduling gate `kueue.x-k8s.io/admission` and removes it on admission
(kubernetes-sigs/kueue:pkg/controller/jobs/pod/constants/constants.go@v0.19.2, SchedulingGateName).
A pod still gated after a few minutes is not "healthy", whatever its phase says; the Workload's
QuotaReserved condition tells why (HC023).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.kueue_localqueues import cluster_queue_of
from planner.checks.view import ClusterView
from planner.kinds import KUEUE_WORKLOADS, LOCAL_QUEUES, PODS
from planner.report import Finding, Severity

GATE = "kueue.x-k8s.io/admission"
GRACE_SECONDS = 300


class KueueNoStuckGatedPods(Check):
    id = "HC022"
    title = "No pod is stuck behind Kueue's admission gate"
    components = ("kueue",)
    severity = Severity.HIGH
    reads = (PODS, KUEUE_WORKLOADS, LOCAL_QUEUES)
    remediation = ("The pod's Workload is not admitted: check its LocalQueue label (kueue.x-k8s.io/queue-name), "
                   "that the LocalQueue and ClusterQueue are active (HC020/HC021), and the quota left.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out, gated = [], 0
        for pod in view.list(PODS):
            if GATE not in k8s.scheduling_gates(pod):
                continue
            gated += 1
            if k8s.age_seconds(pod, view.now) < GRACE_SECONDS:
                continue
            labels = k8s.meta(pod).get("labels") or {}
            queue = labels.get("kueue.x-k8s.io/queue-name")
            evidence = [f"{k8s.ref(pod)} .spec.schedulingGates contains {GATE}",
                        f"label kueue.x-k8s.io/queue-name={queue}"]
            evidence += self._workload_evidence(view, pod)
            out.append(self.failed(k8s.subject(pod), f"pod {k8s.namespace(pod)}/{k8s.name(pod)} is gated by Kueue "
                                   f"for {int(k8s.age_seconds(pod, view.now) // 60)} min (queue {queue})",
                                   evidence=evidence, sensitive=view.sensitive(pod) + ((queue,) if queue else ()),
                                   facts={"localQueue": queue,
                                          "clusterQueue": cluster_queue_of(view, k8s.namespace(pod), queue)}))
        if not out:
            out.append(self.passed(self.scope("pods"), f"{gated} pod(s) waiting for admission, none for longer "
                                   f"than {GRACE_SECONDS // 60} min"))
        return out

    @staticmethod
    def _workload_evidence(view: ClusterView, pod: dict) -> list[str]:
        from planner.cluster import ReadError

        uid = k8s.meta(pod).get("uid")
        try:  # the gated pod is the finding; its Workload only adds the reason
            workloads = view.in_namespaces(KUEUE_WORKLOADS, [k8s.namespace(pod) or ""])
        except ReadError as e:
            return [f"(Workloads not readable: {e.reason})"]
        for wl in workloads:
            owners = {o.get("uid") for o in k8s.meta(wl).get("ownerReferences") or []}
            if uid and uid in owners:
                return [k8s.describe_condition(wl, "QuotaReserved")]
        return ["no Workload owned by this pod (is the LocalQueue label set and the pod integration enabled?)"]
