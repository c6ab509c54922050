"""HC031: no Volcano PodGroup is stuck Pending (gang not schedulable).

PodGroup `status.phase` Pending | Inqueue | Running | Unknown | Completed, conditions `Unschedulable`
with reasons NotEnoughResources | NotEnoughTasks ...
(volcano-sh/volcano:staging/src/volcano.sh/apis/pkg/apis/scheduling/v1beta1/types.go@0e305460).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import POD_GROUPS
from planner.report import Finding, Severity

GRACE_SECONDS = 300
STUCK = ("Pending", "Inqueue", "Unknown")


class VolcanoPodGroupsScheduled(Check):
    id = "HC031"
    title = "Volcano PodGroups are not stuck pending"
    components = ("volcano",)
    severity = Severity.MEDIUM
    reads = (POD_GROUPS,)
    remediation = ("Read the Unschedulable condition: add capacity, lower spec.minMember/minResources, or give "
                   "the queue more capability; `Unknown` means part of the gang was lost.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        groups, out = view.list(POD_GROUPS), []
        for pg in groups:
            phase = (pg.get("status") or {}).get("phase") or "Pending"
            if phase not in STUCK or k8s.age_seconds(pg, view.now) < GRACE_SECONDS:
                continue
            spec = pg.get("spec") or {}
            evidence = [f"{k8s.ref(pg)} .status.phase={phase} .spec.minMember={spec.get('minMember')} "
                        f".spec.queue={spec.get('queue', 'default')} .status.running={pg['status'].get('running', 0)}"
                        if pg.get("status") else f"{k8s.ref(pg)} has no status"]
            if k8s.condition(pg, "Unschedulable"):
                evidence.append(k8s.describe_condition(pg, "Unschedulable"))
            out.append(self.failed(k8s.subject(pg), f"PodGroup {k8s.namespace(pg)}/{k8s.name(pg)} is {phase} for "
                                   f"{int(k8s.age_seconds(pg, view.now) // 60)} min", evidence=evidence,
                                   sensitive=view.sensitive(pg)))
        if not out:
            out.append(self.passed(self.scope("PodGroups"), f"{len(groups)} PodGroup(s), none stuck"))
        return out
