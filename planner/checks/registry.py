"""Every health check, by id. Adding a check = one module + one line here (and its tests/fixtures).

Explicit imports (no globbing) so `grep HC0` finds them all; `_register` raises on a duplicate id.
"""

from __future__ import annotations

from planner.checks.apiservices_available import ApiServicesAvailable
from planner.checks.base import Check
from planner.checks.certificates_ready import CertificatesReady
from planner.checks.components_installed import ComponentsInstalled
from planner.checks.crds_established import CrdsEstablished
from planner.checks.gpu_allocatable import GpuAllocatable
from planner.checks.gpu_clusterpolicy import GpuClusterPolicyReady
from planner.checks.gpu_operands import GpuOperandsScheduled
from planner.checks.gpu_validator import GpuValidatorPassing
from planner.checks.helm_releases import HelmReleasesDeployed
from planner.checks.kfp_api import KfpApiReady
from planner.checks.kserve_inferenceservices import KserveInferenceServicesReady
from planner.checks.kserve_runtimes import KserveRuntimesPresent
from planner.checks.kubeai_models import KubeaiModelsReady
from planner.checks.kueue_clusterqueues import KueueClusterQueuesActive
from planner.checks.kueue_gated_pods import KueueNoStuckGatedPods
from planner.checks.kueue_localqueues import KueueLocalQueuesActive
from planner.checks.kueue_workloads import KueueWorkloadsAdmissible
from planner.checks.nodes_ready import NodesReady
from planner.checks.pods_running import PodsRunning
from planner.checks.pods_scheduled import PodsScheduled
from planner.checks.pvcs_bound import PvcsBound
from planner.checks.rayservices import RayServicesReady
from planner.checks.trainer_controller import TrainerControllerUp
from planner.checks.trainjobs import TrainJobsNotFailed
from planner.checks.vllm_stack import VllmStackReady
from planner.checks.volcano_podgroups import VolcanoPodGroupsScheduled
from planner.checks.volcano_queues import VolcanoQueuesOpen
from planner.checks.webhook_endpoints import WebhookEndpoints
from planner.checks.workloads_available import WorkloadsAvailable
from planner.kinds import Kind

CHECK_CLASSES: tuple[type[Check], ...] = (
    # every component of the plan (from its blueprint: CRDs, workloads, webhooks) and cross-cutting
    CrdsEstablished, WorkloadsAvailable, WebhookEndpoints, ApiServicesAvailable,
    PodsRunning, PodsScheduled, PvcsBound, NodesReady, ComponentsInstalled, HelmReleasesDeployed,
    # GPU resources
    GpuClusterPolicyReady, GpuValidatorPassing, GpuAllocatable, GpuOperandsScheduled,
    # batch scheduling
    KueueClusterQueuesActive, KueueLocalQueuesActive, KueueNoStuckGatedPods, KueueWorkloadsAdmissible,
    VolcanoQueuesOpen, VolcanoPodGroupsScheduled,
    # serving
    KserveInferenceServicesReady, KserveRuntimesPresent, CertificatesReady, KubeaiModelsReady, VllmStackReady,
    RayServicesReady,
    # training and pipelines
    KfpApiReady, TrainerControllerUp, TrainJobsNotFailed,
)


class DuplicateCheckError(Exception):
    """Two checks share an id (ids are stable and never reused)."""


def _register(classes: tuple[type[Check], ...]) -> dict[str, Check]:
    out: dict[str, Check] = {}
    for cls in classes:
        check = cls()
        if check.id in out:
            raise DuplicateCheckError(f"check id {check.id} is used by both {type(out[check.id]).__name__} "
                                      f"and {cls.__name__}")
        out[check.id] = check
    return dict(sorted(out.items()))


CHECKS: dict[str, Check] = _register(CHECK_CLASSES)


def kinds_read(checks: list[Check] | None = None) -> tuple[Kind, ...]:
    """Every kind the given checks (default: all) list, in first-use order."""
    seen: dict[Kind, None] = {}
    for c in checks if checks is not None else CHECKS.values():
        for k in c.reads:
            seen.setdefault(k)
    return tuple(seen)
