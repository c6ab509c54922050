"""Fixtures for the real-cluster tier (tests marked ``@pytest.mark.cluster``).

``control_plane`` starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok once
per session, with two CPU and two GPU nodes (``a100``, 8 GPUs each). Binaries come from
``TEST_ASSET_<NAME>``, ``$KUBEBUILDER_ASSETS`` or the cache that ``bash testbin/build.sh`` fills.
Missing binaries skip these tests, except in CI (``CI`` set) where they fail.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SESSION_CPU_NODES = 2
SESSION_GPU_NODES = 2
SESSION_GPUS_PER_NODE = 8
TEST_LABEL = {"created-by": "stackplan-tests"}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def testbin_paths() -> dict[str, Path]:
    """Name -> path for the control plane, helm, kubectl and the kwok stages file."""
    from planner.sandbox import binaries

    names = (*binaries.CONTROL_PLANE, *binaries.TOOLS, binaries.STAGES_FILE)
    try:
        return binaries.resolve(names)
    except binaries.MissingBinariesError as exc:
        _unavailable(f"{exc}; {binaries.BUILD_HINT}")
        raise  # unreachable


@pytest.fixture(scope="session")
def testbin_dir(testbin_paths: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory holding every binary (``helm``, ``kubectl``, ``etcd``, ...), for PATH."""
    dirs = {p.parent for p in testbin_paths.values()}
    if len(dirs) == 1:
        return dirs.pop()
    linked = tmp_path_factory.mktemp("testbin")
    for name, path in testbin_paths.items():
        (linked / name).symlink_to(path)
    return linked


@pytest.fixture(scope="session")
def control_plane(testbin_paths: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The session's control plane with its simulated nodes; every process is stopped afterwards."""
    from planner.sandbox import ControlPlane, StartError, add_nodes

    cp = ControlPlane(tmp_path_factory.mktemp("control-plane"), bins=testbin_paths)
    try:
        cp.start(timeout=_start_timeout())
        with cp.kube() as k:
            add_nodes(k, cpu_nodes=SESSION_CPU_NODES, gpu_nodes=SESSION_GPU_NODES,
                      gpus_per_node=SESSION_GPUS_PER_NODE, prefix="session")
    except StartError as exc:
        cp.stop()
        pytest.fail(f"control plane did not start: {exc}", pytrace=False)
    except BaseException:
        cp.stop()
        raise
    yield cp
    cp.stop()


def _start_timeout() -> float:
    """``KUBEBUILDER_CONTROLPLANE_START_TIMEOUT`` as envtest reads it ("90s", "2m", "90"); default 90 s."""
    raw = os.environ.get("KUBEBUILDER_CONTROLPLANE_START_TIMEOUT", "").strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m)?", raw)
    if not m:
        return 90.0
    return float(m.group(1)) * (60 if m.group(2) == "m" else 1)


@pytest.fixture(scope="session")
def kubeconfig(control_plane) -> str:
    """Path of an admin kubeconfig for the session's control plane."""
    return str(control_plane.kubeconfig)


@pytest.fixture
def kube(control_plane) -> Iterator:
    """An admin REST client (planner.sandbox.Kube) for the session's control plane."""
    with control_plane.kube() as k:
        yield k


@pytest.fixture
def cluster_namespace(kube, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace (labelled created-by: stackplan-tests) with its default ServiceAccount."""
    from planner.sandbox import path_for
    from planner.sandbox.controlplane import wait_for

    base = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"{base}-{uuid.uuid4().hex[:6]}"
    kube.create(path_for("namespaces"), {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(TEST_LABEL)},
    })
    wait_for(f"default ServiceAccount in {name}",
          lambda: bool(kube.get(path_for("serviceaccounts", name, "default"))), 30)
    yield name
    kube.delete(path_for("namespaces", name=name))


@pytest.fixture
def cluster_env(kubeconfig: str, testbin_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Environment for subprocesses (helm, kubectl): KUBECONFIG, PATH and private helm homes."""
    env = dict(os.environ)
    env.update(
        KUBECONFIG=kubeconfig,
        PATH=f"{testbin_dir}{os.pathsep}{env.get('PATH', '')}",
        HELM_CACHE_HOME=str(tmp_path / "helm-cache"),
        HELM_CONFIG_HOME=str(tmp_path / "helm-config"),
        HELM_DATA_HOME=str(tmp_path / "helm-data"),
    )
    return env


@pytest.fixture
def add_cluster_nodes(kube) -> Iterator[Callable[..., list[str]]]:
    """``add_cluster_nodes(cpu_nodes=0, gpu_nodes=0, gpu_type="a100", gpus_per_node=8)`` -> names.

    Nodes get a unique prefix and are deleted after the test.
    """
    from planner.sandbox import add_nodes, path_for

    created: list[str] = []

    def _add(**kw) -> list[str]:
        names = add_nodes(kube, prefix=f"t{uuid.uuid4().hex[:6]}", **kw)
        created.extend(names)
        return names

    yield _add
    for n in created:
        kube.delete(path_for("nodes", name=n))


# ----- helpers for cluster tests

def eventually(probe: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> object:
    """Poll ``probe`` until it returns a truthy value; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"{what} not reached in {timeout:.0f}s (last: {last!r})")


def pod(name: str, resources: dict | None = None) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "registry.invalid/app:1",
                                 "resources": resources or {}}]},
    }


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "main", "image": "registry.invalid/app:1"}]}}},
    }


def conditions(obj: dict) -> dict[str, str]:
    """``type -> status`` of ``obj.status.conditions``; an absent or null list (new objects) gives {}."""
    return {c["type"]: c["status"] for c in (obj.get("status") or {}).get("conditions") or []}


def wait_crd_established(kube, name: str, timeout: float = 30.0) -> None:
    """Wait until the CRD ``name`` (e.g. ``widgets.example.com``) is Established."""
    from planner.sandbox import path_for

    eventually(lambda: conditions(kube.get(path_for("customresourcedefinitions", name=name))).get("Established")
               == "True", timeout, what=f"CRD {name} Established")
