"""`stackplan sandbox up|status|down`: a local simulated cluster (real control plane, kwok nodes)."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path

import click

from planner.errors import ClusterUnreachableError, StackplanError

_GPU_TYPES = ("a100", "a100-40gb", "a10g", "h100", "l4", "l40s", "t4")  # planner.sandbox.nodes.GPU_TYPES


def _valid_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from planner.sandbox.manager import valid_name

    if not valid_name(value):
        raise click.BadParameter(f"invalid sandbox name {value!r}: use 1-40 lower-case letters, digits and '-', "
                                 "starting and ending with a letter or digit (e.g. --name dev-1)")
    return value


name_option = click.option("--name", default="default", show_default=True, callback=_valid_name,
                           help="Sandbox name: lower-case letters, digits and '-'.")


def _info(msg: str) -> None:
    click.echo(msg, err=True)


@click.group()
def sandbox() -> None:
    """A local simulated cluster: real etcd, kube-apiserver, controller-manager and scheduler,
    with kwok nodes (optionally GPU nodes) whose pods are scheduled but run no process.

    \b
    eval "$(stackplan sandbox up --gpu-nodes 4)"   # prints: export KUBECONFIG=... (and PATH for helm)
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
    """Start a sandbox in the background and print `export KUBECONFIG=<path>` (and `export PATH=<testbin>:$PATH`
    when helm/kubectl are only in the testbin). Idempotent: a running sandbox just prints the lines again."""
    from planner.sandbox import binaries, manager
    from planner.sandbox.controlplane import StartError
    from planner.sandbox.kube import KubeError

    try:
        running = manager.running(name)
    except manager.SandboxError as exc:
        raise StackplanError(str(exc), hint=f"restart it: stackplan sandbox down --name {name} && "
                                            f"stackplan sandbox up --name {name}") from None
    if running is not None:
        _info(f"sandbox {name!r} is already running: server {running.server} (the options of this call are "
              f"ignored; to change them: stackplan sandbox down --name {name}, then up again)")
        _exports(running.kubeconfig)
        return
    start = time.monotonic()
    try:
        cp = manager.up(name, cpu_nodes=cpu_nodes, gpu_nodes=gpu_nodes, gpu_type=gpu_type,
                        gpus_per_node=gpus_per_node, timeout=timeout)
    except binaries.MissingBinariesError as exc:
        raise StackplanError(str(exc), hint=binaries.BUILD_HINT) from None
    except manager.SandboxError as exc:
        raise StackplanError(str(exc)) from None
    except (StartError, KubeError, TimeoutError) as exc:
        raise ClusterUnreachableError(f"sandbox {name!r} could not start: {exc}") from None
    version = cp.version().get("gitVersion", "?")
    gpus = f", {gpu_nodes} GPU node(s) ({gpu_type}, {gpus_per_node} GPUs each)" if gpu_nodes else ""
    _info(f"sandbox {name!r} is up in {time.monotonic() - start:.1f}s: Kubernetes {version}, "
          f"{cpu_nodes} CPU node(s){gpus}")
    _info(f"  server {cp.server}; logs in {cp.logs}")
    _info(f"  pods are simulated (kwok): scheduled and Ready, but no process runs. "
          f"Stop it with: stackplan sandbox down --name {name}")
    _exports(cp.kubeconfig)


def _exports(kubeconfig: Path) -> None:
    """The lines `eval "$(stackplan sandbox up)"` runs: KUBECONFIG, and PATH when the testbin's helm/kubectl
    are not on it (`stackplan apply` also finds them there on its own)."""
    from planner.sandbox import binaries

    click.echo(f"export KUBECONFIG={shlex.quote(str(kubeconfig))}")
    tools = [binaries.find(t) for t in binaries.TOOLS]
    dirs = sorted({str(t.parent) for t in tools if t is not None})
    on_path = {str(Path(d).resolve()) for d in os.environ.get("PATH", "").split(os.pathsep) if d}
    missing = [d for d in dirs if d not in on_path]
    if missing:
        click.echo(f'export PATH={shlex.quote(os.pathsep.join(missing))}:"$PATH"')


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
