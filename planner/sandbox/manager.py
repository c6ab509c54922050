"""Named sandboxes for ``stackplan sandbox``: detached control planes kept under a state root."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from planner.sandbox import nodes, simulated
from planner.sandbox.controlplane import ControlPlane, api_ready
from planner.sandbox.kube import KubeError, path_for

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")


class SandboxError(Exception):
    """A user-facing problem with a named sandbox."""


def state_root() -> Path:
    """``$STACKPLAN_SANDBOX_HOME``, else ``$XDG_STATE_HOME/stackplan/sandboxes``."""
    if env := os.environ.get("STACKPLAN_SANDBOX_HOME"):
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "stackplan" / "sandboxes"


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def sandbox_dir(name: str) -> Path:
    if not valid_name(name):
        raise SandboxError(
            f"invalid sandbox name {name!r}: use 1-40 lower-case letters, digits and '-'"
        )
    return state_root() / name


@dataclass
class Status:
    """What ``sandbox status`` reports."""

    name: str
    running: bool
    components: dict[str, bool] = field(default_factory=dict)
    server: str | None = None
    kubeconfig: str | None = None
    nodes: int = 0
    ready_nodes: int = 0
    gpus: int = 0
    warnings: list[str] = field(default_factory=list)


def running(name: str) -> ControlPlane | None:
    """The sandbox when every one of its components runs; None when none does (or there is none);
    SandboxError when it only partly runs."""
    cp = ControlPlane.from_state(sandbox_dir(name))
    if cp is None:
        return None
    comps = cp.running()
    if comps and all(comps.values()):
        return cp
    if any(comps.values()):
        down = ", ".join(c for c, alive in comps.items() if not alive)
        raise SandboxError(f"sandbox {name!r} is only partly running ({down} stopped)")
    return None


def up(name: str, *, cpu_nodes: int = 1, gpu_nodes: int = 0, gpu_type: str = nodes.DEFAULT_GPU_TYPE,
       gpus_per_node: int = 8, timeout: float = 90.0) -> ControlPlane:
    """Start a detached sandbox with simulated nodes; the processes outlive this Python process."""
    if gpu_nodes and gpu_type not in nodes.GPU_TYPES:
        raise SandboxError(
            f"unknown GPU type {gpu_type!r}; choose one of: {', '.join(sorted(nodes.GPU_TYPES))}"
        )
    d = sandbox_dir(name)
    existing = ControlPlane.from_state(d)
    if existing is not None:
        if any(existing.running().values()):
            raise SandboxError(f"sandbox {name!r} is already running (KUBECONFIG={existing.kubeconfig})")
        existing.stop(remove=True)  # stale state from a crash or reboot
    shutil.rmtree(d, ignore_errors=True)
    cp = ControlPlane(d, detach=True).start(timeout=timeout)
    try:
        with cp.kube() as k:
            nodes.add_nodes(k, cpu_nodes=cpu_nodes, gpu_nodes=gpu_nodes, gpus_per_node=gpus_per_node,
                            gpu_type=gpu_type, wait=timeout)
    except BaseException:
        cp.stop(remove=True)
        raise
    return cp


def status(name: str) -> Status:
    """Which components run, and what the API says about nodes and unservable hooks."""
    cp = ControlPlane.from_state(sandbox_dir(name))
    if cp is None:
        return Status(name, running=False)
    comps = cp.running()
    st = Status(name, running=all(comps.values()) and bool(comps), components=comps,
                server=cp.server if "apiserver" in cp.ports else None, kubeconfig=str(cp.kubeconfig))
    if comps.get("kube-apiserver") and api_ready(cp):
        try:
            with cp.kube(timeout=10) as k:
                items = k.items(path_for("nodes"))
                st.nodes = len(items)
                st.ready_nodes = sum(nodes.is_ready(n) for n in items)
                st.gpus = sum(int(n["status"].get("allocatable", {}).get("nvidia.com/gpu", 0))
                              for n in items)
                st.warnings = simulated.check(k)
        except KubeError as exc:
            st.warnings.append(f"could not read the cluster: {exc}")
    return st


def down(name: str) -> bool:
    """Stop every process of the sandbox and delete its files; False if there was none."""
    d = sandbox_dir(name)
    cp = ControlPlane.from_state(d)
    if cp is None:
        existed = d.exists()
        shutil.rmtree(d, ignore_errors=True)
        return existed
    cp.stop(remove=True)
    return True


def names() -> list[str]:
    root = state_root()
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
