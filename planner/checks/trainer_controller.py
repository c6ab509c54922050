"""HC071: the Kubeflow Trainer controller (and its bundled JobSet controller) is up and serving its webhook.

Deployment `kubeflow-trainer-controller-manager` (`<fullname>-controller-manager`), Deployment
`jobset-controller-manager` when jobset.install=true, webhook Service `kubeflow-trainer-controller-manager`
(kubeflow/trainer:charts/kubeflow-trainer/templates/{manager,webhook}/@v2.3.0; component-facts.md §5).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DEPLOYMENTS
from planner.report import Finding, Severity, Subject

CONTROLLER = "kubeflow-trainer-controller-manager"
JOBSET = "jobset-controller-manager"


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
            names = [CONTROLLER]
            if ((rel.values.get("jobset") or {}).get("install", True)) is not False:
                names.append(JOBSET)
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
