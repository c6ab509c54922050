"""A real Kubernetes control plane with simulated (kwok) nodes, for tests and ``stackplan sandbox``.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the real binaries (built by
``testbin/build.sh``); kwok plays the kubelets, so pods are scheduled and become Ready but run no
process. See docs/control-plane.md.
"""

from planner.sandbox.binaries import MissingBinariesError
from planner.sandbox.controlplane import ControlPlane, StartError
from planner.sandbox.kube import Credentials, Kube, KubeError, path_for
from planner.sandbox.nodes import GPU_TYPES, add_nodes, gpu_labels, node_manifest

__all__ = [
    "GPU_TYPES", "ControlPlane", "Credentials", "Kube", "KubeError", "MissingBinariesError",
    "StartError", "add_nodes", "gpu_labels", "node_manifest", "path_for",
]
