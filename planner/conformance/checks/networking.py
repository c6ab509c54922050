"""AC001 (ai_inference): a Gateway API implementation is installed and accepted; AC002
(advanced_inference_ingress): the Gateway API Inference Extension's InferencePool API is served.

GatewayClass `status.conditions[type=Accepted]` is set by the implementation named in `spec.controllerName`
(kubernetes-sigs/gateway-api:apis/v1/gatewayclass_types.go@v1.4.0). InferencePool is
`inference.networking.k8s.io/v1` from GAIE v1.0 (kubernetes-sigs/gateway-api-inference-extension:api/v1).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.view import ClusterView
from planner.conformance.checks.base import ConformanceCheck
from planner.kinds import CRDS, GATEWAY_CLASSES
from planner.report import Finding, Severity, Subject

GATEWAY_CRDS = ("gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
                "httproutes.gateway.networking.k8s.io")
INFERENCE_POOL_CRD = "inferencepools.inference.networking.k8s.io"


def crd_established(view: ClusterView, name: str) -> bool:
    crd = view.get(CRDS, name)
    return crd is not None and k8s.is_true(crd, "Established")


class GatewayApiImplementation(ConformanceCheck):
    id = "AC001"
    requirement = "ai_inference"
    title = "A Gateway API implementation is installed and its GatewayClass is accepted"
    severity = Severity.HIGH
    reads = (CRDS, GATEWAY_CLASSES)
    remediation = ("Install a Gateway API implementation with the Gateway API CRDs (nginx-gateway-fabric and "
                   "gateway-api-crds in the catalog; Istio, Agentgateway) and check its controller accepted the "
                   "GatewayClass (`kubectl get gatewayclass`).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        missing = [n for n in GATEWAY_CRDS if not crd_established(view, n)]
        if missing:
            return [self.failed(Subject("CustomResourceDefinition", missing[0]),
                                f"the Gateway API is not installed: {', '.join(missing)} not established",
                                evidence=[f"CustomResourceDefinition/{n} missing or not Established" for n in missing])]
        classes = view.list(GATEWAY_CLASSES)
        accepted = [c for c in classes if k8s.is_true(c, "Accepted")]
        evidence = [f"{k8s.ref(c)} .spec.controllerName={(c.get('spec') or {}).get('controllerName')} "
                    f"{k8s.describe_condition(c, 'Accepted')}" for c in classes]
        if accepted:
            return [self.passed(self.scope("GatewayClasses"),
                                f"{len(accepted)} GatewayClass(es) accepted by their controller", evidence=evidence)]
        if not classes:
            return [self.failed(self.scope("GatewayClasses"), "the Gateway API CRDs are installed but no "
                                "GatewayClass exists: no implementation is installed",
                                evidence=["GatewayClass list is empty"])]
        return [self.failed(self.scope("GatewayClasses"), "no GatewayClass is accepted by a running controller",
                            evidence=evidence)]


class InferenceExtensionServed(ConformanceCheck):
    id = "AC002"
    requirement = "advanced_inference_ingress"
    title = "The Gateway API Inference Extension's InferencePool API is served"
    severity = Severity.LOW
    reads = (CRDS,)
    remediation = "Install the Gateway API Inference Extension CRDs and an implementation that supports them."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        subject = Subject("CustomResourceDefinition", INFERENCE_POOL_CRD)
        crd = view.get(CRDS, INFERENCE_POOL_CRD)
        if crd is not None and k8s.is_true(crd, "Established"):
            return [self.passed(subject, "InferencePool (inference.networking.k8s.io) is served",
                                evidence=[k8s.describe_condition(crd, "Established")])]
        return [self.failed(subject, "the InferencePool API is not installed",
                            evidence=[f"CustomResourceDefinition/{INFERENCE_POOL_CRD} missing or not Established"])]
