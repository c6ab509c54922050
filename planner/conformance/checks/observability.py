"""AC005 (ai_service_metrics): a Prometheus, reconciled by the Prometheus Operator, discovers workloads
through ServiceMonitors/PodMonitors.

Prometheus `status.conditions[type=Available|Reconciled]`, `spec.serviceMonitorSelector`,
`spec.podMonitorSelector` (prometheus-operator:pkg/apis/monitoring/v1/prometheus_types.go@v0.93.1; a nil
selector selects nothing, `{}` selects every monitor).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.view import ClusterView
from planner.conformance.checks.base import ConformanceCheck
from planner.conformance.checks.networking import crd_established
from planner.kinds import CRDS, POD_MONITORS, PROMETHEUSES, SERVICE_MONITORS
from planner.report import Finding, Severity

PROMETHEUS_CRD = "prometheuses.monitoring.coreos.com"


class MonitoringDiscoversWorkloads(ConformanceCheck):
    id = "AC005"
    requirement = "ai_service_metrics"
    title = "A Prometheus discovers and scrapes workloads through ServiceMonitors/PodMonitors"
    severity = Severity.HIGH
    reads = (CRDS, PROMETHEUSES, SERVICE_MONITORS, POD_MONITORS)
    remediation = "Install kube-prometheus-stack; its Prometheus selects ServiceMonitors and PodMonitors."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        if not crd_established(view, PROMETHEUS_CRD):
            return [self.failed(self.scope("Prometheus"), "no monitoring system: the Prometheus Operator's API is not "
                                "installed", evidence=[f"CustomResourceDefinition/{PROMETHEUS_CRD} missing"])]
        proms = view.list(PROMETHEUSES)
        if not proms:
            return [self.failed(self.scope("Prometheus"), "the Prometheus Operator is installed but no Prometheus "
                                "exists", evidence=["Prometheus list is empty"])]
        monitors = len(view.list(SERVICE_MONITORS)) + (len(view.list(POD_MONITORS))
                                                       if crd_established(view, "podmonitors.monitoring.coreos.com")
                                                       else 0)
        out: list[Finding] = []
        for p in proms:
            spec = p.get("spec") or {}
            discovers = spec.get("serviceMonitorSelector") is not None or spec.get("podMonitorSelector") is not None
            ev = [k8s.describe_condition(p, "Available"), k8s.describe_condition(p, "Reconciled"),
                  f"{k8s.ref(p)} .spec.serviceMonitorSelector={spec.get('serviceMonitorSelector')} "
                  f".spec.podMonitorSelector={spec.get('podMonitorSelector')}; {monitors} monitor(s) in the cluster"]
            if k8s.is_true(p, "Available") and discovers:
                out.append(self.passed(k8s.subject(p), f"Prometheus {k8s.namespace(p)}/{k8s.name(p)} is available and "
                                       "discovers monitors", evidence=ev))
            else:
                why = "is not available" if not k8s.is_true(p, "Available") else "selects no ServiceMonitor/PodMonitor"
                out.append(self.failed(k8s.subject(p), f"Prometheus {k8s.namespace(p)}/{k8s.name(p)} {why}",
                                       evidence=ev))
        return out
