"""PF002: the StorageClass the stack file names exists — or, when it names none, the cluster has a default.

Components with persistent stores (MLflow, Kubeflow Pipelines' MySQL/MinIO, ...) create PVCs without a class
or with `cluster.storageClass`; with neither a matching class nor a default, those PVCs stay Pending and
`helm --wait` times out. The default is the StorageClass annotated
`storageclass.kubernetes.io/is-default-class: "true"` (kubernetes/website content/en/docs/tasks/administer-
cluster/change-default-storage-class.md; k8s.io/api storage/v1 annotations).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.kinds import STORAGE_CLASSES
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject

DEFAULT_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


class StorageClassExists(Check):
    id = "PF002"
    title = "The StorageClass the stack uses exists"
    severity = Severity.HIGH
    reads = (STORAGE_CLASSES,)
    remediation = ("Set cluster.storageClass in stackplan.yaml to one of the cluster's StorageClasses "
                   "(`kubectl get storageclass`), or mark one as default.")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        classes = view.list(STORAGE_CLASSES)
        names = sorted(k8s.name(c) for c in classes)
        defaults = [k8s.name(c) for c in classes
                    if (k8s.meta(c).get("annotations") or {}).get(DEFAULT_ANNOTATION) == "true"]
        evidence = [f"StorageClasses: {', '.join(names) or 'none'}; default: {', '.join(defaults) or 'none'}"]
        wanted = (view.plan.cluster or {}).get("storageClass")
        if wanted:
            subject = Subject("StorageClass", str(wanted))
            if wanted in names:
                return [self.passed(subject, f"StorageClass {wanted} exists", evidence=evidence)]
            return [self.failed(subject, f"StorageClass {wanted} (cluster.storageClass) does not exist",
                                evidence=evidence)]
        subject = Subject("StorageClass", "(default)")
        if defaults:
            return [self.passed(subject, f"the cluster's default StorageClass is {defaults[0]}", evidence=evidence)]
        return [self.failed(subject, "stackplan.yaml names no StorageClass and the cluster has no default one",
                            evidence=evidence)]
