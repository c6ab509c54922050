"""`stackplan cluster create --kind`: a kind cluster on a laptop, with simulated GPUs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from planner.errors import InputError, ServiceUnavailableError

KIND_HINT = ("install kind v0.33.0 or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation — "
             "e.g. `brew install kind` or `go install sigs.k8s.io/kind@v0.33.0`)")
ENGINE_HINT = ("kind runs nodes as containers: install and start Docker (Docker Desktop), Podman or nerdctl; "
               "`docker info` must work")


def _default_kubeconfig() -> str:
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    return first or str(Path.home() / ".kube" / "config")


def _running_engine(candidates: list[str]) -> str | None:
    """The first container engine whose `info` succeeds (a client without a running engine fails it)."""
    preferred = os.environ.get("KIND_EXPERIMENTAL_PROVIDER")
    for engine in ([preferred] if preferred else candidates):
        try:
            done = subprocess.run([engine, "info"], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return engine
    return None


def _kubernetes_version(explicit: str | None, stack_file: str | None, profile: str | None) -> str:
    if explicit:
        return explicit
    if stack_file or profile:
        from planner.commands.options import load_plan

        return load_plan(stack_file, profile).kubernetes_version
    from planner.catalog import load_catalog
    from planner.resolve import default_kubernetes_version

    return default_kubernetes_version(load_catalog())


@click.group()
def cluster() -> None:
    """Local clusters to try a stack on."""


@cluster.command("create")
@click.option("--kind", "use_kind", is_flag=True, help="Create the cluster with kind (the only provider so far).")
@click.option("--name", default="stackplan", show_default=True, help="Cluster name (kubeconfig context kind-NAME).")
@click.option("--gpus", type=int, default=2, show_default=True, metavar="N",
              help="Simulated GPUs per GPU node (fake-gpu-operator); 0 with --gpu-nodes 0 for none.")
@click.option("--gpu-nodes", type=int, default=1, show_default=True, metavar="N",
              help="Worker nodes labelled run.ai/simulated-gpu-node-pool=default.")
@click.option("--workers", type=int, default=1, show_default=True, metavar="N", help="CPU-only worker nodes.")
@click.option("--kubernetes-version", metavar="V",
              help="Kubernetes version (default: the plan's, from -f/--profile or the catalog default).")
@click.option("-f", "--file", "stack_file", metavar="FILE", help="Take the Kubernetes version from this stack's plan.")
@click.option("--profile", "-p", metavar="PROFILE", help="Take the Kubernetes version from this profile's plan.")
@click.option("--kubeconfig", metavar="PATH",
              help="Kubeconfig kind writes to (default: $KUBECONFIG or ~/.kube/config).")
@click.option("--config-file", metavar="PATH", help="Where to write the kind config (default: ./kind-NAME.yaml).")
@click.option("--wait", default="5m", show_default=True, metavar="DURATION", help="kind --wait for the control plane.")
@click.option("--timeout", default="10m", show_default=True, metavar="DURATION",
              help="fake-gpu-operator install timeout.")
@click.option("--chart-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Install fake-gpu-operator from this local directory (offline).")
@click.option("--dry-run", is_flag=True, help="Print the kind config and commands; run nothing.")
def create(use_kind: bool, name: str, gpus: int, gpu_nodes: int, workers: int, kubernetes_version: str | None,
           stack_file: str | None, profile: str | None, kubeconfig: str | None, config_file: str | None,
           wait: str, timeout: str, chart_dir: Path | None, dry_run: bool) -> None:
    """Create a kind cluster whose GPU workers get simulated GPUs from fake-gpu-operator.

    \b
    Needs `kind` (v0.33.0+) and a running container engine (docker, podman or nerdctl).
    Exit codes: 0 created, 1 fake-gpu-operator failed to install, 2 bad input, 3 kind/engine missing or failed.
    """
    from planner import kind
    from planner.engine.duration import normalise

    if not use_kind:
        raise click.UsageError("pass --kind (kind is the only cluster provider stackplan creates)")
    try:
        wait, timeout = normalise(wait), normalise(timeout)
    except ValueError as e:
        raise InputError(f"{e}", hint="durations look like 90s, 5m or 1h30m") from e
    version = _kubernetes_version(kubernetes_version, stack_file, profile)
    image, warning = kind.node_image(version)
    spec = kind.KindCluster(name=name, image=image, workers=workers, gpu_nodes=gpu_nodes, gpus_per_node=gpus,
                            wait=wait)
    kind.validate(spec)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    config_path = Path(config_file or f"kind-{name}.yaml")
    kubeconfig = kubeconfig or _default_kubeconfig()
    text = _yaml(kind.config(spec))
    plan = targets = None
    if spec.gpu_nodes:
        from planner.catalog import load_catalog
        from planner.engine.charts import resolve_targets

        catalog = load_catalog()
        if "fake-gpu-operator" not in catalog.blueprints:
            raise InputError("the catalog has no fake-gpu-operator blueprint")
        if chart_dir is not None and not chart_dir.is_dir():
            raise InputError(f"--chart-dir {chart_dir}: not a directory")
        plan = kind.fake_gpu_plan(catalog.blueprints["fake-gpu-operator"], spec, version,
                                  str(chart_dir.resolve()) if chart_dir is not None else None)
        targets = resolve_targets(plan)
    args = kind.create_args(spec, str(config_path), kubeconfig)
    if dry_run:
        click.echo(f"# {config_path} (not written: dry run)\n{text}")
        click.echo("$ kind " + " ".join(args))
        if plan is not None and targets is not None:
            from planner.engine.dryrun import describe

            click.echo(f"then, with --kubeconfig {kubeconfig} --context {spec.context}:")
            click.echo(describe(plan, targets, timeout))
        return
    kind_bin, engines = kind.find_tools()
    if kind_bin is None:
        raise ServiceUnavailableError("the kind binary was not found", hint=KIND_HINT)
    engine = _running_engine(engines)
    if engine is None:
        found = f" ({', '.join(engines)} found, but `info` failed: is the engine running?)" if engines else ""
        raise ServiceUnavailableError(f"no running container engine for kind{found}", hint=ENGINE_HINT)
    config_path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {config_path}; creating kind cluster {name} ({image.split('@')[0]}, {engine})", err=True)
    done = subprocess.run([kind_bin, *args], check=False)
    if done.returncode != 0:
        raise ServiceUnavailableError(f"`kind create cluster` failed (exit {done.returncode}); its output is above",
                                      hint=f"`kind delete cluster --name {name}` cleans up a half-created cluster")
    if plan is None or targets is None:
        click.echo(f"cluster {name} is ready (no GPU nodes); context {spec.context}")
        return
    from planner.engine.install import install

    result = install(plan, targets, kubeconfig=kubeconfig, context=spec.context, timeout=timeout)
    if result.ok:
        click.echo(f"cluster {name} is ready with {spec.gpu_nodes * spec.gpus_per_node} simulated GPUs; "
                   f"context {spec.context}")
    sys.exit(result.exit_code())


def _yaml(data: dict) -> str:
    from planner.yamlio import dump

    return dump(data, sort_keys=False)
