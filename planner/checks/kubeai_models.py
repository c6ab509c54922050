"""HC050: KubeAI Models have at least `minReplicas` ready replicas.

Model status `replicas.{all,ready}`, spec `minReplicas` (0 allowed: scale from zero)
(kubeai-project/kubeai:api/k8s/v1/model_types.go@f442a2cd, chart 0.22.1). Model pods carry label model=<name>
(internal/modelcontroller/pod_plan.go). Models the stack file declares (`models:`, created by `stackplan apply`
from planner/desired/objects.py) must exist.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.declared import declared, missing
from planner.checks.view import ClusterView
from planner.kinds import EVENTS, KUBEAI_MODELS, PODS
from planner.report import Finding, Severity


class KubeaiModelsReady(Check):
    id = "HC050"
    title = "KubeAI models have their minimum replicas ready"
    components = ("kubeai",)
    severity = Severity.HIGH
    reads = (KUBEAI_MODELS, PODS, EVENTS)
    remediation = ("Look at the model pods (label model=NAME): image pulls, GPU requests from the resourceProfile "
                   "(nvidia.com/gpu must be allocatable, HC012), and the model download (url, HF token).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        models = view.list(KUBEAI_MODELS)
        out = missing(self, view, "Model", models, "KubeAI Model")
        for m in models:
            spec, st = m.get("spec") or {}, (m.get("status") or {}).get("replicas") or {}
            want, ready, total = int(spec.get("minReplicas", 0) or 0), st.get("ready", 0), st.get("all", 0)
            evidence = [f"{k8s.ref(m)} .spec.minReplicas={want} .status.replicas.ready={ready} all={total}"]
            if ready >= want:
                out.append(self.passed(k8s.subject(m), f"Model {k8s.name(m)}: {ready} ready (min {want})",
                                       evidence=evidence, sensitive=(k8s.name(m),)))
                continue
            for pod in view.in_namespaces(PODS, [k8s.namespace(m) or ""]):
                if (k8s.meta(pod).get("labels") or {}).get("model") != k8s.name(m):
                    continue
                if trouble := k8s.pod_trouble(pod):
                    evidence.append(trouble[1])
                elif why := k8s.unschedulable(pod):
                    evidence.append(f"{k8s.ref(pod)} Pending: {why}")
            out.append(self.failed(k8s.subject(m), f"Model {k8s.namespace(m)}/{k8s.name(m)} has {ready} ready "
                                   f"replica(s), needs {want}", evidence=evidence, sensitive=(k8s.name(m),)))
        if not models and not declared(view, "Model"):
            out.append(self.passed(self.scope("Models"), "not applicable: the plan declares no models for KubeAI "
                                   "and none exist"))
        return out
