"""The custom resources the plan declares (the same names `stackplan apply` and the Pulumi program create,
from `planner.emit.crs`), and the FAILED findings for those missing in the cluster. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView, Obj
from planner.emit.crs import declared as crs_declared
from planner.emit.settings import DEFAULT_WORKLOAD_NAMESPACE
from planner.report import Finding, Subject

# `stackplan apply` and the Pulumi program (stackplan:workloadNamespace default) put LocalQueue `default` and
# InferenceServices here
WORKLOAD_NAMESPACE = DEFAULT_WORKLOAD_NAMESPACE
CREATE_HINT = ("`stackplan apply` creates it (`stackplan apply --dry-run` lists the custom resources it applies), "
               "or `pulumi up` with stackplan:phase all")


def declared(view: ClusterView, kind: str) -> list[tuple[str | None, str]]:
    """(namespace, name) of the plan's objects of `kind` (Model, InferenceService, ClusterQueue, ...)."""
    return crs_declared(view.plan, kind, WORKLOAD_NAMESPACE)


def missing(check: Check, view: ClusterView, kind: str, found: Iterable[Obj], what: str) -> list[Finding]:
    """One FAILED finding per declared object of `kind` not among `found` (`what` names it: "KubeAI Model")."""
    objs = list(found)
    have = {(k8s.namespace(o), k8s.name(o)) for o in objs}
    out = []
    for ns, name in declared(view, kind):
        if (ns, name) in have:
            continue
        where = f"{ns}/{name}" if ns else name
        source = next((f" (model {m.source}, engine {m.engine})" for m in view.plan.models if m.name == name), "")
        out.append(check.failed(Subject(kind, name, ns), f"{what} `{name}` missing",
                                evidence=[f"no {kind} {where} among {len(objs)} {kind}(s) in the cluster",
                                          f"declared by the plan{source}: planner/emit/crs.py"],
                                remediation=CREATE_HINT, facts={"exists": "false"}))
    return out
