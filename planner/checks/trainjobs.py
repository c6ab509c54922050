"""HC072: no Kubeflow TrainJob has failed.

TrainJob condition types Complete | Failed | Suspended
(kubeflow/trainer:pkg/apis/trainer/v1alpha1/trainjob_types.go@v2.3.0).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import TRAIN_JOBS
from planner.report import Finding, Severity


class TrainJobsNotFailed(Check):
    id = "HC072"
    title = "TrainJobs have not failed"
    components = ("kubeflow-trainer",)
    severity = Severity.MEDIUM
    reads = (TRAIN_JOBS,)
    remediation = ("kubectl -n NS describe trainjob NAME; check the runtime it references exists "
                   "(ClusterTrainingRuntimes are not installed by default) and the trainer pods' logs.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        jobs, out = view.list(TRAIN_JOBS), []
        for job in jobs:
            if k8s.is_true(job, "Failed"):
                out.append(self.failed(k8s.subject(job), f"TrainJob {k8s.namespace(job)}/{k8s.name(job)} failed",
                                       evidence=[k8s.describe_condition(job, "Failed")],
                                       sensitive=view.sensitive(job)))
        if not out:
            out.append(self.passed(self.scope("TrainJobs"), f"{len(jobs)} TrainJob(s), none failed"))
        return out
