"""`stackplan preflight`: can the plan install on this cluster? Exit 0 ready, 1 problems, 2 bad input, 3 unreachable."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from planner.commands.options import cluster_options, load_plan, output_option, stack_options, timeout_option

if TYPE_CHECKING:
    from planner.model import Plan
    from planner.report import Report

FORMATS = ["table", "json", "junit", "sarif", "github"]


@click.command()
@stack_options
@cluster_options
@output_option(FORMATS)
@timeout_option("10s", "Timeout of each API request")
def preflight(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
              kubeconfig: str | None, context: str | None, output: str, timeout: float) -> None:
    """Check, before installing, everything that can be answered now (docs/checks.md, Preflight).

    \b
    PF001 Kubernetes version in every component's range   PF006 no other install of a component running
    PF002 the StorageClass (or a default) exists           PF007 CRDs not owned by another release
    PF003 cluster.gpu matches the nodes                    PF008 Pod Security labels allow the components
    PF004 declared prerequisites exist (by name)           PF009 models fit the GPUs
    PF005 Kueue/Volcano quotas fit allocatable CPU, memory, GPUs
    Read-only, same RBAC as check (`stackplan rbac -f stackplan.yaml`); never reads a Secret's data.
    Exit 0 ready; 1 any FAILED or UNKNOWN; 2 bad input; 3 the API cannot be reached or authenticated.
    """
    from planner.render.report import render_report

    plan = load_plan(stack_file, profile, sets, strict)
    report = run(plan, kubeconfig, context, timeout)
    click.echo(render_report(report, output), nl=False)
    sys.exit(report.exit_code())


def run(plan: Plan, kubeconfig: str | None, context: str | None, timeout: float) -> Report:
    """Connect, run every preflight check, return the Report (also used by `apply --preflight`)."""
    import time
    from datetime import UTC, datetime

    from planner import __version__
    from planner.catalog import load_catalog
    from planner.cluster import ClusterReader
    from planner.preflight import run_preflight

    started = time.perf_counter()
    with ClusterReader(kubeconfig, context, timeout) as reader:
        version = reader.ping()
        report = run_preflight(plan, reader, version=version, blueprints=load_catalog().blueprints)
    meta = dict(report.meta)
    meta.update({"seconds": round(time.perf_counter() - started, 3), "kubernetesVersion": version.get("gitVersion"),
                 "stackplanVersion": __version__, "generatedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return type(report)(kind=report.kind, findings=report.findings, errors=report.errors, meta=meta)
