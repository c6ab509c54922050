"""HC080: Ray Serve RayServices are Ready.

RayService condition `Ready` (reasons NonZeroServeEndpoints | ZeroServeEndpoints | Initializing |
InitializingTimeout | ValidationFailed ...) (ray-project/kuberay:ray-operator/apis/ray/v1/rayservice_types.go@v1.7.0).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import RAY_SERVICES
from planner.report import Finding, Severity


class RayServicesReady(Check):
    id = "HC080"
    title = "RayServices are ready"
    components = ("kuberay",)
    severity = Severity.HIGH
    reads = (RAY_SERVICES,)
    remediation = ("kubectl -n NS describe rayservice NAME: ZeroServeEndpoints means no Serve replica is healthy "
                   "(check the RayCluster head/worker pods and serveConfigV2); InitializingTimeout means the "
                   "cluster never became ready.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        services, out = view.list(RAY_SERVICES), []
        for rs in services:
            if k8s.is_true(rs, "Ready"):
                out.append(self.passed(k8s.subject(rs), f"RayService {k8s.name(rs)} is ready",
                                       evidence=[k8s.describe_condition(rs, "Ready")], sensitive=view.sensitive(rs)))
            else:
                out.append(self.failed(k8s.subject(rs), f"RayService {k8s.namespace(rs)}/{k8s.name(rs)} is not ready",
                                       evidence=[k8s.describe_condition(rs, "Ready")], sensitive=view.sensitive(rs)))
        if not services:
            out.append(self.passed(self.scope("RayServices"), "no RayServices deployed yet"))
        return out
