"""HC002: every workload (Deployment, DaemonSet, StatefulSet, Job) a component declares exists and is available.

Names come from the blueprints (Release.workloads, sourced from each chart). Readiness fields: apps/v1
DeploymentStatus/DaemonSetStatus/StatefulSetStatus, batch/v1 JobStatus (k8s.io/api v0.35).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DAEMONSETS, DEPLOYMENTS, EVENTS, JOBS, PODS, STATEFULSETS
from planner.report import Finding, Severity, Subject

KINDS = {"Deployment": DEPLOYMENTS, "DaemonSet": DAEMONSETS, "StatefulSet": STATEFULSETS, "Job": JOBS}


class WorkloadsAvailable(Check):
    id = "HC002"
    title = "The components' workloads are available"
    severity = Severity.HIGH
    reads = (DEPLOYMENTS, DAEMONSETS, STATEFULSETS, JOBS, PODS, EVENTS)
    remediation = ("Look at the workload's pods (`kubectl -n NS describe KIND NAME`, `kubectl -n NS logs "
                   "KIND/NAME`) for the reason; scale it back up if it was scaled to 0; `helm upgrade` the release "
                   "if it is missing.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases:
            for w in rel.workloads:
                ns = w.namespace or rel.namespace
                subject = Subject(w.kind, w.name, ns)
                obj = view.get(KINDS[w.kind], w.name, ns)
                if obj is None:
                    if w.optional:
                        continue
                    out.append(self.failed(subject, f"{w.kind} {ns}/{w.name} of {rel.component} does not exist",
                                           evidence=[f"{w.kind}/{ns}/{w.name} not found"], component=rel.component,
                                           remediation=f"Install or repair the release {rel.id} (`stackplan apply`); "
                                                       f"`kubectl -n {ns} get {w.kind.lower()}` lists what exists."))
                    continue
                if w.replicas == 0 and (obj.get("spec") or {}).get("replicas") == 0:
                    out.append(self.passed(subject, f"{w.kind} {w.name} is the chart's placeholder, scaled to zero "
                                           "by design", evidence=[f"{k8s.ref(obj)} .spec.replicas=0 as the chart "
                                                                  "renders it"], component=rel.component))
                    continue
                ok, evidence = k8s.workload_status(obj)
                if ok:
                    out.append(self.passed(subject, f"{w.kind} {w.name} is available", evidence=[evidence],
                                           component=rel.component))
                    continue
                lines = [evidence]
                if w.kind != "Job":
                    for pod in view.pods_selected_by(obj)[:3]:
                        trouble = k8s.pod_trouble(pod)
                        if trouble:
                            lines.append(trouble[1])
                        elif (why := k8s.unschedulable(pod)) is not None:
                            lines.append(f"{k8s.ref(pod)} Pending: {why}")
                lines += view.events_or_empty(obj)
                out.append(self.failed(subject, f"{w.kind} {ns}/{w.name} of {rel.component} is not available",
                                       evidence=lines, component=rel.component,
                                       remediation=self.remediation.replace("KIND", w.kind.lower())))
        return out
