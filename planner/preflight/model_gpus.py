"""PF009: the models in stackplan.yaml fit the cluster's GPUs (gpusPerReplica × replicas, and one replica per node).

Each model replica requests `gpusPerReplica` nvidia.com/gpu on one node (KubeAI resourceProfile
"<profile>:<n>", KServe/vLLM resources.limits; planner/emit/crs.py); the scheduler places a pod only on a
node with that many free GPUs (core/v1 extended resources). GPUs come from the nodes (capacity or GFD's
`nvidia.com/gpu.count`); when no node shows them yet (before the device plugin runs) from cluster.gpu in
stackplan.yaml, which PF003 compares with the nodes.
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.kinds import NODES
from planner.preflight.gpu_facts import gpus_of
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity


class ModelsFitGpus(Check):
    id = "PF009"
    title = "The stack file's models fit the cluster's GPUs"
    severity = Severity.HIGH
    reads = (NODES,)
    remediation = "Lower replicas or gpusPerReplica in stackplan.yaml `models:`, or add GPU nodes."

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        models = [m for m in view.plan.models if m.gpus_per_replica > 0 and m.replicas > 0]
        if not models:
            return []
        counts = [c for c in (gpus_of(n) for n in view.gpu_nodes()) if c]
        gpu = (view.plan.cluster or {}).get("gpu") or {}
        if counts:
            total, biggest, where = sum(counts), max(counts), f"{len(counts)} GPU node(s) show {sum(counts)} GPU(s)"
        else:
            per = int(gpu.get("perNode", 1) or 1)
            total, biggest = int(gpu.get("nodes", 0) or 0) * per, per
            where = f"no node shows GPUs yet; stackplan.yaml says {gpu.get('nodes', 0)} × {per}"
        need = sum(m.gpus_per_replica * m.replicas for m in models)
        lines = [f"model {m.name}: {m.gpus_per_replica} GPU(s) × {m.replicas} replica(s)" for m in models]
        scope = self.scope("models")
        out = []
        too_big = [m for m in models if m.gpus_per_replica > biggest]
        for m in too_big:
            out.append(self.failed(scope, f"model {m.name} needs {m.gpus_per_replica} GPUs per replica; the largest "
                                   f"node has {biggest}", evidence=[*lines, where], severity=Severity.CRITICAL))
        if need > total:
            out.append(self.failed(scope, f"the models need {need} GPUs, the cluster has {total}",
                                   evidence=[*lines, where]))
        if not out:
            out.append(self.passed(scope, f"the models need {need} of {total} GPUs", evidence=[*lines, where]))
        return out
