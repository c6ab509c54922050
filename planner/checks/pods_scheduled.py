"""HC006: pods of the stack, and pods requesting GPUs anywhere, are not stuck Pending unscheduled.

The scheduler's reason comes from the pod's `PodScheduled` condition (reason Unschedulable, message like
"0/4 nodes are available: 4 Insufficient nvidia.com/gpu") and its FailedScheduling events (core/v1, k8s v1.35).
Pods held by a scheduling gate are left to the gate's owner (Kueue: HC022).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import GPU_RESOURCE, ClusterView
from planner.kinds import EVENTS, PODS
from planner.report import Finding, Severity

GRACE_SECONDS = 120  # the scheduler retries; a pod unschedulable for 2 minutes is worth reporting


class PodsScheduled(Check):
    id = "HC006"
    title = "Pods are scheduled (none stuck Pending without a node)"
    severity = Severity.HIGH
    reads = (PODS, EVENTS)
    remediation = ("Read the scheduler's message: add capacity (GPU nodes), fix nodeSelector/affinity/tolerations "
                   "or lower the requests; for GPU pods check the nodes' allocatable nvidia.com/gpu (HC012).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out, seen = [], 0
        for pod in view.list(PODS):
            in_plan = k8s.namespace(pod) in view.namespaces
            if not in_plan and not k8s.requests_resource(pod, GPU_RESOURCE):
                continue
            seen += 1
            why = k8s.unschedulable(pod)
            if why is None or k8s.scheduling_gates(pod) or k8s.age_seconds(pod, view.now) < GRACE_SECONDS:
                continue
            gpu = " (requests nvidia.com/gpu)" if k8s.requests_resource(pod, GPU_RESOURCE) else ""
            out.append(self.failed(k8s.subject(pod), f"pod {k8s.namespace(pod)}/{k8s.name(pod)} cannot be "
                                   f"scheduled{gpu}: {why}",
                                   evidence=[k8s.describe_condition(pod, "PodScheduled"), *view.events_or_empty(pod)],
                                   sensitive=view.sensitive(pod), component=view.component_of(pod),
                                   facts={"gpu": "true" if gpu else None}))
        if not out:
            out.append(self.passed(self.scope("stack pods and GPU pods"),
                                   f"{seen} pod(s) checked: none stuck unschedulable"))
        return out
