"""HC007: PersistentVolumeClaims in the stack's namespaces are Bound.

Field: core/v1 PersistentVolumeClaimStatus.phase (Pending|Bound|Lost); the provisioner's reason is in
Warning events (ProvisioningFailed, FailedBinding) (k8s v1.35).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import EVENTS, PVCS
from planner.report import Finding, Severity

GRACE_SECONDS = 120


class PvcsBound(Check):
    id = "HC007"
    title = "PersistentVolumeClaims are bound"
    severity = Severity.HIGH
    reads = (PVCS, EVENTS)
    remediation = ("Make sure a default StorageClass exists (kubectl get storageclass) or set "
                   "cluster.storageClass in stackplan.yaml; check the provisioner's events on the claim.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out, pvcs = [], view.in_namespaces(PVCS)
        for pvc in pvcs:
            phase = (pvc.get("status") or {}).get("phase", "Pending")
            if phase == "Bound":
                continue
            if phase == "Pending" and k8s.age_seconds(pvc, view.now) < GRACE_SECONDS:
                continue
            sc = (pvc.get("spec") or {}).get("storageClassName")
            out.append(self.failed(k8s.subject(pvc), f"PVC {k8s.namespace(pvc)}/{k8s.name(pvc)} is {phase}",
                                   evidence=[f"{k8s.ref(pvc)} .status.phase={phase} .spec.storageClassName={sc}",
                                             *view.events_or_empty(pvc)],
                                   severity=Severity.CRITICAL if phase == "Lost" else None,
                                   sensitive=view.sensitive(pvc), component=view.component_of(pvc)))
        if not out:
            out.append(self.passed(self.scope("PVCs in the stack's namespaces"), f"{len(pvcs)} PVC(s) bound"))
        return out
