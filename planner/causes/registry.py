"""Every cause rule, in the order the linker applies them: a finding joins the first cause that claims it.

Broader causes first: a component that is not installed, then a release that failed, explain everything
of that component; then a webhook that rejects objects; then the GPU, queue and model chains. Adding a
rule = one module + one line here (ids RC###, never reused) + tests (CONTRIBUTING.md).
"""

from __future__ import annotations

from planner.causes.base import Rule
from planner.causes.clusterqueue_inactive import ClusterQueueInactive
from planner.causes.component_absent import ComponentAbsent
from planner.causes.gpu_node_failing import GpuNodeFailing
from planner.causes.model_pod_failing import ModelPodFailing
from planner.causes.release_failed import ReleaseFailed
from planner.causes.webhook_unserved import WebhookUnserved

RULE_CLASSES: tuple[type[Rule], ...] = (
    ComponentAbsent, ReleaseFailed, WebhookUnserved, GpuNodeFailing, ClusterQueueInactive, ModelPodFailing,
)


def _register(classes: tuple[type[Rule], ...]) -> tuple[Rule, ...]:
    ids = [c.id for c in classes]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"cause rule id(s) used twice: {', '.join(dupes)}")
    return tuple(c() for c in classes)


RULES: tuple[Rule, ...] = _register(RULE_CLASSES)
