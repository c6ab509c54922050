"""Every preflight check, by id (PF###, never reused). Adding one = one module + one line here + tests."""

from __future__ import annotations

from planner.checks.base import Check
from planner.kinds import Kind
from planner.preflight.conflicts import NoConflictingInstalls
from planner.preflight.crd_ownership import CrdsNotOwnedElsewhere
from planner.preflight.gpu_facts import GpuFactsMatchNodes
from planner.preflight.model_gpus import ModelsFitGpus
from planner.preflight.pod_security import PodSecurityAllowsComponents
from planner.preflight.prerequisites_exist import PrerequisitesExist
from planner.preflight.quotas import QuotasFitAllocatable
from planner.preflight.storage import StorageClassExists
from planner.preflight.version import KubernetesVersionInRange

PREFLIGHT_CLASSES: tuple[type[Check], ...] = (
    KubernetesVersionInRange, StorageClassExists, GpuFactsMatchNodes, PrerequisitesExist, QuotasFitAllocatable,
    NoConflictingInstalls, CrdsNotOwnedElsewhere, PodSecurityAllowsComponents, ModelsFitGpus,
)


def _register(classes: tuple[type[Check], ...]) -> dict[str, Check]:
    out: dict[str, Check] = {}
    for cls in classes:
        check = cls()
        if check.id in out or not check.id.startswith("PF"):
            raise ValueError(f"preflight check id {check.id} is reused or not PF###")
        out[check.id] = check
    return dict(sorted(out.items()))


PREFLIGHT: dict[str, Check] = _register(PREFLIGHT_CLASSES)


def kinds_read() -> tuple[Kind, ...]:
    seen: dict[Kind, None] = {}
    for c in PREFLIGHT.values():
        for k in c.reads:
            seen.setdefault(k)
    return tuple(seen)
