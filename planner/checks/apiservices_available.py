"""HC004: aggregated APIs (APIService objects backed by a Service) are Available.

An unavailable APIService breaks discovery for its group (kubectl and controllers then log errors for
every request). Field: apiregistration/v1 APIServiceStatus condition `Available` (k8s.io/kube-aggregator v0.35).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import APISERVICES
from planner.report import Finding, Severity


class ApiServicesAvailable(Check):
    id = "HC004"
    title = "Aggregated APIs are available"
    severity = Severity.HIGH
    reads = (APISERVICES,)
    remediation = ("Make the backing Service's pods ready (e.g. kueue-controller-manager serves "
                   "v1beta2.visibility.kueue.x-k8s.io), or delete the APIService of a removed component.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out, checked = [], 0
        for api in view.list(APISERVICES):
            svc = (api.get("spec") or {}).get("service")
            if not svc:
                continue  # served by kube-apiserver itself
            checked += 1
            if not k8s.is_true(api, "Available"):
                out.append(self.failed(k8s.subject(api), f"APIService {k8s.name(api)} is not available",
                                       evidence=[k8s.describe_condition(api, "Available"),
                                                 f"backed by Service {svc.get('namespace')}/{svc.get('name')}"]))
        if not out:
            out.append(self.passed(self.scope("aggregated APIServices"),
                                   f"{checked} aggregated APIService(s) available"))
        return out
