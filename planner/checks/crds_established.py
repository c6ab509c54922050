"""HC001: every CRD a component of the plan declares exists and is Established.

CRD conditions `Established` and `NamesAccepted` (k8s.io/apiextensions-apiserver v0.35, CustomResourceDefinitionStatus).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import CRDS
from planner.report import Finding, Severity, Subject


class CrdsEstablished(Check):
    id = "HC001"
    title = "The components' CRDs are installed and established"
    severity = Severity.CRITICAL
    reads = (CRDS,)
    remediation = ("Re-install the component's CRDs (helm upgrade --install the release; for charts that keep CRDs "
                   "in crds/, `kubectl apply --server-side -f` them). Check the API server log if a CRD is not "
                   "Established.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases:
            for crd_name in rel.crds:
                subject = Subject("CustomResourceDefinition", crd_name)
                crd = view.get(CRDS, crd_name)
                if crd is None:
                    out.append(self.failed(subject, f"CRD {crd_name} of {rel.component} is not installed",
                                           evidence=[f"CustomResourceDefinition/{crd_name} not found in the CRD list"],
                                           component=rel.component))
                elif not k8s.is_true(crd, "Established") or (
                        k8s.condition(crd, "NamesAccepted") and not k8s.is_true(crd, "NamesAccepted")):
                    out.append(self.failed(subject, f"CRD {crd_name} of {rel.component} is not established",
                                           evidence=[k8s.describe_condition(crd, "Established"),
                                                     k8s.describe_condition(crd, "NamesAccepted")],
                                           component=rel.component))
                else:
                    out.append(self.passed(subject, f"CRD {crd_name} is established",
                                           evidence=[k8s.describe_condition(crd, "Established")],
                                           component=rel.component))
        return out
