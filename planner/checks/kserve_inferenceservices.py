"""HC040: KServe InferenceServices are Ready.

Aggregated condition `Ready` over PredictorReady and IngressReady; failures also show in
status.modelStatus.lastFailureInfo (kserve/kserve:pkg/apis/serving/v1beta1/inference_service_status.go@v0.20.0).
InferenceServices for the stack file's models (created by `stackplan apply` from planner/desired/objects.py) must exist.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.declared import declared, missing
from planner.checks.view import ClusterView
from planner.kinds import INFERENCE_SERVICES
from planner.report import Finding, Severity

SUB_CONDITIONS = ("PredictorReady", "IngressReady", "LatestDeploymentReady", "RoutesReady")


class KserveInferenceServicesReady(Check):
    id = "HC040"
    title = "KServe InferenceServices are ready"
    components = ("kserve",)
    severity = Severity.HIGH
    reads = (INFERENCE_SERVICES,)
    remediation = ("kubectl describe inferenceservice NAME; look at the predictor pods (storage-initializer and "
                   "kserve-container logs) and that a ServingRuntime supports the model format.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        isvcs = view.list(INFERENCE_SERVICES)
        out = missing(self, view, "InferenceService", isvcs, "KServe InferenceService")
        for isvc in isvcs:
            if k8s.is_true(isvc, "Ready"):
                url = (isvc.get("status") or {}).get("url")
                out.append(self.passed(k8s.subject(isvc), f"InferenceService {k8s.name(isvc)} is ready",
                                       evidence=[k8s.describe_condition(isvc, "Ready"), f".status.url={url}"],
                                       sensitive=view.sensitive(isvc) + ((url,) if url else ())))
                continue
            evidence = [k8s.describe_condition(isvc, "Ready")]
            evidence += [k8s.describe_condition(isvc, c) for c in SUB_CONDITIONS
                         if k8s.condition(isvc, c) and not k8s.is_true(isvc, c)]
            failure = ((isvc.get("status") or {}).get("modelStatus") or {}).get("lastFailureInfo")
            if failure:
                evidence.append(f".status.modelStatus.lastFailureInfo reason={failure.get('reason')} "
                                f"\"{failure.get('message', '')}\"")
            out.append(self.failed(k8s.subject(isvc), f"InferenceService {k8s.namespace(isvc)}/{k8s.name(isvc)} "
                                   "is not ready", evidence=evidence, sensitive=view.sensitive(isvc)))
        if not isvcs and not declared(view, "InferenceService"):
            out.append(self.passed(self.scope("InferenceServices"), "not applicable: the plan declares no models "
                                   "for KServe and no InferenceServices exist"))
        return out
