"""PF005: the Kueue and Volcano quotas the plan creates fit what the nodes can allocate.

The plan's ClusterQueue `stackplan` and Volcano Queue `stackplan` (planner/emit/crs.py, the objects `stackplan
apply` and the Pulumi program create) carry nominalQuota / capability for cpu, memory and nvidia.com/gpu.
A quota above what the nodes can allocate admits work that then sits Pending unschedulable; a quota below it
keeps admitted-work queued while nodes idle (kubernetes-sigs/kueue site/content/en/docs/concepts/
cluster_queue.md@v0.19.2 "nominalQuota"; volcano-sh/volcano docs queue `capability`). Allocatable is the sum
of every schedulable node's `.status.allocatable` (core/v1). GPUs not advertised yet (no device plugin
before the GPU Operator runs) are not compared; CPU and memory left at their unconstrained defaults are
compared only from below (the cluster outgrew them).
"""

from __future__ import annotations

from fractions import Fraction

from planner.checks.base import Check
from planner.checks.declared import WORKLOAD_NAMESPACE
from planner.checks.view import GPU_RESOURCE
from planner.drift.workloads import quantity
from planner.emit.crs import CPU_QUOTA, MEMORY_QUOTA, kueue_objects, volcano_queue
from planner.kinds import NODES
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject

RESOURCES = ("cpu", "memory", GPU_RESOURCE)
DEFAULTS = {"cpu": CPU_QUOTA, "memory": MEMORY_QUOTA}


def allocatable(nodes: list[dict]) -> dict[str, Fraction]:
    """Sum of `.status.allocatable` over nodes that are not cordoned (spec.unschedulable)."""
    total = dict.fromkeys(RESOURCES, Fraction(0))
    for n in nodes:
        if (n.get("spec") or {}).get("unschedulable"):
            continue
        for r in RESOURCES:
            q = quantity(str(((n.get("status") or {}).get("allocatable") or {}).get(r, "0")))
            total[r] += q or 0
    return total


def _show(resource: str, value: Fraction) -> str:
    if resource == "memory":
        return f"{float(value / 2**30):.0f}Gi"
    return f"{float(value):g}"


def declared_quotas(view: PreflightView) -> list[tuple[Subject, dict[str, str]]]:
    """(object, resource -> quota) for the plan's ClusterQueue and Volcano Queue."""
    out = []
    for obj in kueue_objects(view.plan, WORKLOAD_NAMESPACE) + volcano_queue(view.plan):
        if obj.kind == "ClusterQueue":
            quotas = {r["name"]: str(r["nominalQuota"]) for g in obj.spec.get("resourceGroups") or []
                      for f in g.get("flavors") or [] for r in f.get("resources") or []}
        elif obj.kind == "Queue":
            quotas = {k: str(v) for k, v in (obj.spec.get("capability") or {}).items()}
        else:
            continue
        out.append((Subject(obj.kind, obj.name, obj.namespace), quotas))
    return out


class QuotasFitAllocatable(Check):
    id = "PF005"
    title = "Kueue and Volcano quotas fit the cluster's allocatable CPU, memory and GPUs"
    severity = Severity.MEDIUM
    reads = (NODES,)
    remediation = ("Size the quotas from the nodes: cluster.quota.cpu / cluster.quota.memory in stackplan.yaml "
                   "(Kueue CPU/memory), cluster.gpu.nodes × perNode (GPUs).")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        have = allocatable(list(view.list(NODES)))
        set_by_user = (view.plan.cluster or {}).get("quota") or {}
        out = []
        for subject, quotas in declared_quotas(view):
            problems, evidence = [], []
            for r, text in sorted(quotas.items()):
                q = quantity(text)
                if q is None or r not in have:
                    continue
                evidence.append(f"{subject.kind}/{subject.name} {r}: quota {text}, allocatable {_show(r, have[r])}")
                default = r in DEFAULTS and not set_by_user.get(r) and subject.kind == "ClusterQueue"
                if r == GPU_RESOURCE and have[r] == 0:
                    evidence[-1] += " (GPUs not advertised yet: not compared)"
                    continue
                if q > have[r] and not default:
                    problems.append(f"{r} quota {text} is more than the nodes can allocate ({_show(r, have[r])}): "
                                    "admitted pods would stay Pending")
                elif q < have[r]:
                    fix = f"set cluster.quota.{r}: \"{_show(r, have[r])}\"" if r in DEFAULTS else \
                        "set cluster.gpu.nodes/perNode to the cluster's GPUs"
                    problems.append(f"{r} quota {text} is less than the nodes can allocate ({_show(r, have[r])}): "
                                    f"work would queue while nodes idle ({fix})")
            if problems:
                out.append(self.failed(subject, f"{subject.kind} {subject.name}: {problems[0]}",
                                       evidence=problems + evidence))
            else:
                out.append(self.passed(subject, f"{subject.kind} {subject.name} quotas fit the cluster",
                                       evidence=evidence))
        return out
