"""HC009: every component of the plan is installed — at least one of the CRDs and workloads its
blueprint declares exists.

A component none of whose declared objects exist was never installed (or was uninstalled): that is one
FAILED finding listing what is missing, and the runner folds that component's other problems (missing
CRDs, workloads, webhooks, unreadable APIs) into it (`planner/checks/fold.py`), so a half-empty cluster
reads as "kueue is not installed", not as 20 separate failures. Names come from the blueprints
(Release.crds, Release.workloads, each sourced from the chart); the kinds are apiextensions.k8s.io/v1
CustomResourceDefinition and apps/v1, batch/v1 workloads (k8s.io/api v0.35).
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.checks.workloads_available import KINDS
from planner.kinds import CRDS, DAEMONSETS, DEPLOYMENTS, JOBS, STATEFULSETS
from planner.report import Finding, Severity, Subject


class ComponentsInstalled(Check):
    id = "HC009"
    title = "The plan's components are installed"
    severity = Severity.CRITICAL
    reads = (CRDS, DEPLOYMENTS, DAEMONSETS, STATEFULSETS, JOBS)
    remediation = ("Install it with `stackplan apply` (`helm list -n NS` shows whether a release exists there), "
                   "or remove the component from the stack if you do not want it.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases:
            found, missing = [], []
            for crd in rel.crds:
                (found if view.get(CRDS, crd) is not None else missing).append(f"CustomResourceDefinition/{crd}")
            for w in rel.workloads:
                ns = w.namespace or rel.namespace
                ref = f"{w.kind}/{ns}/{w.name}"
                if view.get(KINDS[w.kind], w.name, ns) is not None:
                    found.append(ref)
                elif not w.optional:
                    missing.append(ref)
            if not found and not missing:
                continue  # declares nothing we can look for: cannot tell
            subject = Subject("Release", rel.id, rel.namespace)
            if found:
                out.append(self.passed(subject, f"component {rel.component} is installed: {len(found)} of "
                                       f"{len(found) + len(missing)} declared objects found",
                                       evidence=found[:3], component=rel.component))
                continue
            needed_by = sorted({r.component for r in view.releases if rel.id in r.needs})
            out.append(self.failed(subject, f"component {rel.component} is not installed: none of the "
                                   f"{len(missing)} objects its release {rel.id} declares exists",
                                   evidence=[f"{ref} not found" for ref in missing], component=rel.component,
                                   facts={"neededBy": ",".join(needed_by) or None}))
        return out
