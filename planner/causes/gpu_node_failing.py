"""RC004: the GPU stack failing on a node (driver first) explains the validator, allocatable GPUs, the
ClusterPolicy, the operand DaemonSets and GPU pods that cannot be scheduled.

The GPU Operator validates each GPU node in order — driver, toolkit, CUDA, device plugin — and the
device plugin advertises `nvidia.com/gpu` only after validation passed; the ClusterPolicy stays `notReady`
while an operand is not ready (NVIDIA/gpu-operator:assets/state-operator-validation/0500_daemonset.yaml,
controllers/state_manager.go, internal/conditions/consts.go@v26.7.0; NVIDIA/cloud-native-docs:
gpu-operator/troubleshooting.rst). Root: the driver pod crash-looping on node N (HC005, container
`nvidia-driver-ctr`, assets/state-driver/0500_daemonset.yaml@v26.7.0), else the validator failing on N
(HC011). Members: the validator and other gpu-operator pods failing on N, N's allocatable GPUs 0 (HC012),
the ClusterPolicy not ready (HC010), the operand DaemonSets not ready on every node (HC013, and HC002 for the
GPU Operator's DaemonSets: their pods on N wait for the driver, assets/state-*/0500_daemonset.yaml init
containers), and GPU pods Pending (HC006).
Every failing node joins one cause: one broken driver image breaks them all.
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence

DRIVER_CONTAINER = "nvidia-driver-ctr"
DRIVER_VALIDATION = "driver-validation"
GPU_OPERATOR = "gpu-operator"


class GpuNodeFailing(Rule):
    id = "RC004"
    title = "The GPU driver (or another validated layer) fails on GPU nodes"
    source = ("NVIDIA/gpu-operator:assets/state-operator-validation/0500_daemonset.yaml@v26.7.0, "
              "assets/state-driver/0500_daemonset.yaml@v26.7.0, internal/conditions/consts.go@v26.7.0")
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        drivers = [(i, f) for i, f in problems if failed(f, "HC005") and f.component == GPU_OPERATOR
                   and f.fact("container") == DRIVER_CONTAINER and f.fact("node")]
        validators = [(i, f) for i, f in problems if failed(f, "HC011") and f.fact("node")]
        roots = drivers or validators
        if not roots:
            return []
        nodes = {f.fact("node") for _, f in drivers + validators}
        root_id, root = roots[0]
        members = []
        for i, f in problems:
            if i == root_id:
                continue
            on_node = f.fact("node") in nodes
            if (f.check_id in ("HC011", "HC012") and on_node) \
                    or (f.check_id == "HC005" and f.component == GPU_OPERATOR and on_node) \
                    or (f.check_id in ("HC010", "HC013") and f.component == GPU_OPERATOR) \
                    or (f.check_id == "HC002" and f.subject.kind == "DaemonSet" and f.component == GPU_OPERATOR) \
                    or (f.check_id == "HC006" and f.fact("gpu") == "true"):
                members.append(i)
        container = root.fact("container") or ""
        layer = "the NVIDIA driver" if container in (DRIVER_CONTAINER, DRIVER_VALIDATION) else f"{container}"
        where = ", ".join(sorted(n for n in nodes if n))
        return [Link(root_id, tuple(members), f"{layer} fails on GPU node(s) {where}", self.confidence)]
