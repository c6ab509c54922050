"""HC060: the vLLM production stack's router and its engines are available, and the router has engines.

Router Deployment `<release>-deployment-router`; one engine Deployment per model,
`<release>-<modelSpec.name>-deployment-vllm`, labelled model=<name> and helm-release-name=<release>
(vllm-project/production-stack:helm/templates/{deployment-router,deployment-vllm-multi}.yaml@vllm-stack-0.1.12).
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import DEPLOYMENTS, EVENTS, PODS
from planner.model import JSON
from planner.report import Finding, Severity, Subject
from planner.values import get_path

ROUTER_SUFFIX = "-deployment-router"
ENGINE_SUFFIX = "-deployment-vllm"


def engine_deployments(release_id: str, values: Mapping[str, JSON]) -> list[str]:
    """The engine Deployment names the chart renders for the values' modelSpec entries (one per model)."""
    specs = get_path(values, "servingEngineSpec.modelSpec", []) or []
    return [f"{release_id}-{spec['name']}{ENGINE_SUFFIX}" for spec in specs if isinstance(spec, dict)
            and spec.get("name") and spec.get("enabled", True) is not False]


class VllmStackReady(Check):
    id = "HC060"
    title = "The vLLM router and engines are ready"
    components = ("vllm-stack",)
    severity = Severity.HIGH
    reads = (DEPLOYMENTS, PODS, EVENTS)
    remediation = ("Engines: check GPU requests (requestGPU), runtimeClassName (defaults to `nvidia`: the "
                   "RuntimeClass must exist), the model download and HF token; router: its logs.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases_of("vllm-stack"):
            deps = view.in_namespaces(DEPLOYMENTS, [rel.namespace])
            routers = [d for d in deps if k8s.name(d).endswith(ROUTER_SUFFIX)]
            engines = [d for d in deps if k8s.name(d).endswith(ENGINE_SUFFIX)
                       and "helm-release-name" in (k8s.meta(d).get("labels") or {})]
            if not routers:
                out.append(self.failed(Subject("Deployment", f"<release>{ROUTER_SUFFIX}", rel.namespace),
                                       "the vLLM router Deployment does not exist",
                                       evidence=[f"no Deployment named *{ROUTER_SUFFIX} in {rel.namespace}"],
                                       remediation="set routerSpec.enableRouter=true (the default)"))
            if not engines:
                out.append(self.failed(Subject("Deployment", f"<release>-<model>{ENGINE_SUFFIX}", rel.namespace),
                                       "no vLLM engine Deployment exists: the router has nothing to route to",
                                       evidence=[f"no Deployment named *{ENGINE_SUFFIX} labelled helm-release-name "
                                                 f"in {rel.namespace}"],
                                       remediation="add a servingEngineSpec.modelSpec entry (enabled: true)"))
            for d in routers + engines:
                ok, evidence = k8s.workload_status(d)
                model = (k8s.meta(d).get("labels") or {}).get("model")
                role = "router" if d in routers else f"engine for model {model}"
                if ok:
                    out.append(self.passed(k8s.subject(d), f"vLLM {role} is available", evidence=[evidence]))
                    continue
                lines = [evidence]
                for pod in view.pods_selected_by(d)[:3]:
                    if trouble := k8s.pod_trouble(pod):
                        lines.append(trouble[1])
                    elif why := k8s.unschedulable(pod):
                        lines.append(f"{k8s.ref(pod)} Pending: {why}")
                lines += view.events_or_empty(d)
                out.append(self.failed(k8s.subject(d), f"vLLM {role} ({k8s.name(d)}) is not available", evidence=lines))
        return out
