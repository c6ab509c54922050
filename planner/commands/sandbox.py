"""`stackplan sandbox up|status|down`: a local simulated cluster (real control plane, kwok nodes)."""

from __future__ import annotations

import json
import time

import click

from planner.errors import ClusterUnreachableError, StackplanError

_GPU_TYPES = ("a100", "a100-40gb", "a10g", "h100", "l4", "l40s", "t4")  # planner.sandbox.nodes.GPU_TYPES

name_option = click.option("--name", default="default", show_default=True, help="Sandbox name.")


def _info(msg: str) -> None:
    click.echo(msg, err=True)


@click.group()
def sandbox() -> None:
    """A local simulated cluster: real etcd, kube-apiserver, controller-manager and scheduler,
    with kwok nodes (optionally GPU nodes) whose pods are scheduled but run no process.

    \b
    eval "$(stackplan sandbox up --gpu-nodes 4)"   # prints: export KUBECONFIG=...
    stackplan sandbox status
    stackplan sandbox down
    """


@sandbox.command()
@name_option
@click.option("--gpu-nodes", type=click.IntRange(0, 5000), default=0, show_default=True,
              help="Simulated GPU nodes.")
@click.option("--gpu-type", type=click.Choice(_GPU_TYPES), default="a100", show_default=True,
              help="GPU model the GPU nodes advertise (labels as GPU feature discovery sets them).")
@click.option("--gpus-per-node", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--cpu-nodes", type=click.IntRange(0, 5000), default=1, show_default=True,
              help="Simulated CPU-only nodes.")
@click.option("--timeout", type=click.FloatRange(5), default=90.0, show_default=True,
              help="Seconds to wait for the control plane and the nodes.")
def up(name: str, gpu_nodes: int, gpu_type: str, gpus_per_node: int, cpu_nodes: int, timeout: float) -> None:
    """Start a sandbox in the background and print `export KUBECONFIG=<path>`."""
    from planner.sandbox import binaries, manager
    from planner.sandbox.controlplane import StartError
    from planner.sandbox.kube import KubeError

    start = time.monotonic()
    try:
        cp = manager.up(name, cpu_nodes=cpu_nodes, gpu_nodes=gpu_nodes, gpu_type=gpu_type,
                        gpus_per_node=gpus_per_node, timeout=timeout)
    except binaries.MissingBinariesError as exc:
        raise StackplanError(str(exc), hint=binaries.BUILD_HINT) from None
    except manager.SandboxError as exc:
        raise StackplanError(str(exc), hint=f"stop it first: stackplan sandbox down --name {name}") from None
    except (StartError, KubeError, TimeoutError) as exc:
        raise ClusterUnreachableError(f"sandbox {name!r} could not start: {exc}") from None
    version = cp.version().get("gitVersion", "?")
    gpus = f", {gpu_nodes} GPU node(s) ({gpu_type}, {gpus_per_node} GPUs each)" if gpu_nodes else ""
    _info(f"sandbox {name!r} is up in {time.monotonic() - start:.1f}s: Kubernetes {version}, "
          f"{cpu_nodes} CPU node(s){gpus}")
    _info(f"  server {cp.server}; logs in {cp.logs}")
    _info(f"  pods are simulated (kwok): scheduled and Ready, but no process runs. "
          f"Stop it with: stackplan sandbox down --name {name}")
    click.echo(f"export KUBECONFIG={cp.kubeconfig}")


@sandbox.command()
@name_option
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(name: str, output: str) -> None:
    """Show whether the sandbox runs, its nodes, and hooks that simulated pods cannot serve."""
    from planner.sandbox import manager

    try:
        st = manager.status(name)
    except manager.SandboxError as exc:
        raise StackplanError(str(exc)) from None
    if output == "json":
        click.echo(json.dumps(st.__dict__, indent=2, sort_keys=True))
    else:
        _print_status(st)
    if not st.running:
        if not st.components:
            what, hint = "is not running", f"start it with: stackplan sandbox up --name {name}"
        elif not any(st.components.values()):
            what = "is not running (its processes have exited)"
            hint = f"start it again with: stackplan sandbox up --name {name}"
        else:
            what = "is only partly running"
            hint = f"restart it: stackplan sandbox down --name {name} && stackplan sandbox up --name {name}"
        raise ClusterUnreachableError(f"sandbox {name!r} {what}", hint=hint)


def _print_status(st) -> None:
    if not st.components:
        return
    state = "running" if st.running else "DEGRADED"
    click.echo(f"sandbox {st.name}: {state}  server {st.server}")
    for comp, alive in st.components.items():
        click.echo(f"  {comp:<24} {'running' if alive else 'stopped'}")
    click.echo(f"  nodes: {st.ready_nodes}/{st.nodes} Ready, {st.gpus} nvidia.com/gpu allocatable")
    click.echo(f"  export KUBECONFIG={st.kubeconfig}")
    for w in st.warnings:
        click.echo(f"  warning: {w}")


@sandbox.command()
@name_option
def down(name: str) -> None:
    """Stop every process of the sandbox and delete its state."""
    from planner.sandbox import manager

    try:
        existed = manager.down(name)
    except manager.SandboxError as exc:
        raise StackplanError(str(exc)) from None
    _info(f"sandbox {name!r} stopped and removed" if existed else f"no sandbox named {name!r}")
