"""AC009 (robust_controller): at least one AI operator of the plan has its CRDs established, its controller
available, its webhooks served, and has reconciled a custom resource (written its status).

Reuses HC001/HC002/HC003 over the operator alone; the custom resources and their status fields are the
kinds of planner/kinds.py (each cited there). A controller writes `status` when it reconciles; an object
with no status after its grace period was never reconciled.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.crds_established import CrdsEstablished
from planner.checks.view import ClusterView
from planner.checks.webhook_endpoints import WebhookEndpoints
from planner.checks.workloads_available import WorkloadsAvailable
from planner.conformance.checks.base import ConformanceCheck
from planner.conformance.satisfy import SATISFIERS
from planner.kinds import (
    CLUSTER_QUEUES,
    INFERENCE_SERVICES,
    KUBEAI_MODELS,
    RAY_SERVICES,
    TRAIN_JOBS,
    VOLCANO_QUEUES,
    Kind,
)
from planner.report import Finding, Outcome, Severity, Subject

# operator component -> the custom resources it reconciles
RECONCILED: dict[str, tuple[Kind, ...]] = {
    "kueue": (CLUSTER_QUEUES,), "volcano": (VOLCANO_QUEUES,), "kuberay": (RAY_SERVICES,),
    "kubeflow-trainer": (TRAIN_JOBS,), "kserve": (INFERENCE_SERVICES,), "kubeai": (KUBEAI_MODELS,),
}
_PARTS = (CrdsEstablished(), WorkloadsAvailable(), WebhookEndpoints())


def _reconciled(obj: dict) -> bool:
    """The status subresource ignores a client's status on create: a non-empty status was written by a controller
    (conditions for Kueue, `state` for Volcano Queues, `replicas` for KubeAI Models, ...)."""
    return bool(obj.get("status"))


class AiOperatorReconciles(ConformanceCheck):
    id = "AC009"
    requirement = "robust_controller"
    title = "An AI operator runs, serves its webhooks and reconciles its custom resources"
    severity = Severity.HIGH
    mode = "any"
    reads = tuple(dict.fromkeys(k for part in _PARTS for k in part.reads)) + tuple(
        dict.fromkeys(k for kinds in RECONCILED.values() for k in kinds))
    remediation = "Make one AI operator healthy (`stackplan check --component C` says what is wrong) and create one " \
                  "of its custom resources."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        operators = [c for c in SATISFIERS[self.requirement].components() if c in view.components]
        if not operators:
            return [self.failed(self.scope("AI operators"), "the plan has no AI operator with CRDs",
                                evidence=[f"none of {', '.join(SATISFIERS[self.requirement].components())} planned"])]
        return [self._one(view, c) for c in operators]

    def _one(self, view: ClusterView, component: str) -> Finding:
        sub = ClusterView(view.plan, view.reader, {component}, now=view.now)
        findings = [f for part in _PARTS for f in part.evaluate(sub)]
        bad = [f for f in findings if f.outcome is not Outcome.PASSED]
        evidence = [f"{f.outcome.value} {f.message}" for f in findings]
        subject = Subject("Component", component)
        if bad:
            return self.failed(subject, f"{component}: {bad[0].message}", evidence=evidence, component=component)
        kinds = [k for k in RECONCILED.get(component, ()) if f"{k.plural}.{k.group}" in
                 {c for r in sub.releases for c in r.crds}]
        objs = [o for k in kinds for o in view.list(k)]
        done = [o for o in objs if _reconciled(o)]
        if not kinds:
            return self.passed(subject, f"{component}: CRDs, controller and webhooks healthy (no custom resource kind "
                               "known to stackplan to show reconciliation)", evidence=evidence, component=component)
        if done:
            evidence.append(f"{len(done)} of {len(objs)} {kinds[0].kind} object(s) have a status, e.g. "
                            f"{k8s.ref(done[0])}")
            return self.passed(subject, f"{component} reconciles its custom resources", evidence=evidence,
                               component=component)
        return self.failed(subject, f"{component}: no {'/'.join(k.kind for k in kinds)} has been reconciled"
                           + ("" if objs else " (none exists: create one)"), evidence=evidence, component=component,
                           severity=Severity.MEDIUM)
