"""Every AI Conformance evidence check, by id, and the checks that give each requirement's evidence.

AC0xx checks are ConformanceChecks (planner/conformance/checks/); a requirement may also take evidence
from a health check of planner/checks (driver_runtime_management: the GPU Operator's ClusterPolicy and
validator). Requirements with no check here get no automated evidence (status left empty, with a note).
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.checks.gpu_clusterpolicy import GpuClusterPolicyReady
from planner.checks.gpu_validator import GpuValidatorPassing
from planner.checks.registry import DuplicateCheckError
from planner.conformance.checks.accelerators import (
    AcceleratorAccessMediated,
    AcceleratorMetricsScraped,
    DraApiServed,
    GpuSharingExposed,
)
from planner.conformance.checks.base import ConformanceCheck
from planner.conformance.checks.networking import GatewayApiImplementation, InferenceExtensionServed
from planner.conformance.checks.observability import MonitoringDiscoversWorkloads
from planner.conformance.checks.operators import AiOperatorReconciles
from planner.conformance.checks.scheduling import (
    ClusterAutoscalerPresent,
    CustomMetricsAutoscaling,
    GangAdmittedAllOrNothing,
)
from planner.kinds import Kind

CONFORMANCE_CLASSES: tuple[type[ConformanceCheck], ...] = (
    GatewayApiImplementation, InferenceExtensionServed, GangAdmittedAllOrNothing, AcceleratorMetricsScraped,
    MonitoringDiscoversWorkloads, CustomMetricsAutoscaling, ClusterAutoscalerPresent, AcceleratorAccessMediated,
    AiOperatorReconciles, DraApiServed, GpuSharingExposed,
)
# health checks of `stackplan check` that are evidence for a requirement: check class -> requirement id
BORROWED: dict[type[Check], str] = {
    GpuClusterPolicyReady: "driver_runtime_management",
    GpuValidatorPassing: "driver_runtime_management",
}


def _register() -> tuple[dict[str, Check], dict[str, tuple[str, ...]]]:
    checks: dict[str, Check] = {}
    by_req: dict[str, list[str]] = {}
    pairs = [(cls, cls.requirement) for cls in CONFORMANCE_CLASSES] + list(BORROWED.items())
    for cls, req in pairs:
        check = cls()
        if check.id in checks:
            raise DuplicateCheckError(f"check id {check.id} is registered twice")
        checks[check.id] = check
        by_req.setdefault(req, []).append(check.id)
    return checks, {r: tuple(ids) for r, ids in by_req.items()}


CHECKS, REQUIREMENT_CHECKS = _register()


def kinds_read() -> tuple[Kind, ...]:
    seen: dict[Kind, None] = {}
    for c in CHECKS.values():
        for k in c.reads:
            seen.setdefault(k)
    return tuple(seen)
