"""HC071: the Kubeflow Trainer controller (and its bundled JobSet controller) is up and serving its webhook.

The Deployments are the release's workloads from the blueprint (one place for the names, which
`stackplan verify-charts` checks against the chart): `kubeflow-trainer-controller-manager`
(`<fullname>-controller-manager`, kubeflow/trainer:charts/kubeflow-trainer/templates/manager/@v2.3.0) and the
bundled JobSet's `jobset-controller` when jobset.install=true (jobset.fullnameOverride=jobset;
kubernetes-sigs/jobset:charts/jobset/templates/_helpers.tpl@v0.12.0 `jobset.controller.deployment.name`).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DEPLOYMENTS
from planner.report import Finding, Severity, Subject


class TrainerControllerUp(Check):
    id = "HC071"
    title = "The Kubeflow Trainer controller is up"
    components = ("kubeflow-trainer",)
    severity = Severity.CRITICAL
    reads = (DEPLOYMENTS,)
    remediation = ("kubectl -n kubeflow-system logs deploy/kubeflow-trainer-controller-manager; TrainJobs are "
                   "neither validated nor run while it is down (its webhook has failurePolicy Fail).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out = []
        for rel in view.releases_of("kubeflow-trainer"):
            # the release's workloads already follow jobset.install (the blueprint's enabledBy)
            names = [w.name for w in rel.workloads if w.kind == "Deployment"]
            for name in names:
                dep = view.get(DEPLOYMENTS, name, rel.namespace)
                if dep is None:
                    out.append(self.failed(Subject("Deployment", name, rel.namespace),
                                           f"Deployment {rel.namespace}/{name} does not exist",
                                           evidence=[f"Deployment/{rel.namespace}/{name} not found"]))
                    continue
                ok, evidence = k8s.workload_status(dep)
                if ok:
                    out.append(self.passed(k8s.subject(dep), f"{name} is available", evidence=[evidence]))
                else:
                    out.append(self.failed(k8s.subject(dep), f"{name} is not available",
                                           evidence=[evidence, *view.events_or_empty(dep)]))
        return out
