"""`stackplan drift`: does the cluster still match the plan? Exit 0 no drift, 1 drift, 2 bad input, 3 unreachable."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.commands.options import cluster_options, load_plan, output_option, timeout_option
from planner.drift.render import CHOICES


@click.command()
@click.option("-f", "--file", "stack_file", metavar="FILE", help="The stack file (default: ./stackplan.yaml).")
@click.option("--profile", "-p", metavar="PROFILE", help="Compare against a profile's default plan instead.")
@click.option("--set", "sets", multiple=True, metavar="COMP.KEY=VALUE", help="Override one value (repeatable).")
@cluster_options
@output_option(CHOICES)
@click.option("--strict", is_flag=True, help="Components the plan does not manage are drift too (else a note).")
@click.option("--pulumi", "use_pulumi", is_flag=True,
              help="Also run `pulumi preview --expect-no-changes --json` in the Pulumi project and fold it in.")
@click.option("--junit-file", type=click.Path(dir_okay=False, writable=True), metavar="PATH",
              help="Also write the report as JUnit XML here (CI: annotations with -o github, JUnit for the record).")
@timeout_option("10s", "Timeout of each API request")
def drift(stack_file: str | None, profile: str | None, sets: tuple[str, ...], kubeconfig: str | None,
          context: str | None, output: str, strict: bool, use_pulumi: bool, junit_file: str | None,
          timeout: float) -> None:
    """Compare the plan with the live cluster: releases, values, CRDs, workloads, custom resources.

    \b
    Reads Helm's release records (Secrets of type helm.sh/release.v1, only in the plan's namespaces),
    CRDs, Deployments/DaemonSets/StatefulSets (against the release manifest: image, env, replicas,
    resources), HorizontalPodAutoscalers and the custom resources the plan declares.
    Exit 0 no drift, 1 drift, 2 bad input, 3 cluster unreachable. In CI: `stackplan drift --output github`.
    """
    import time
    from datetime import UTC, datetime

    from planner import __version__
    from planner.cluster import ClusterReader
    from planner.commands.check import _check_writable, _write_report
    from planner.drift.compare import drift_report
    from planner.drift.reader import read_live
    from planner.drift.render import render

    if junit_file:
        _check_writable(junit_file, "--junit-file")
    plan = load_plan(stack_file, profile, sets)
    started = time.perf_counter()
    with ClusterReader(kubeconfig, context, timeout) as reader:
        reader.ping()
        live = read_live(reader, plan)
        stats = reader.stats()
        server = reader.server
    extra = ()
    if use_pulumi:
        from planner.drift.pulumi_preview import preview

        directory = Path(stack_file).resolve().parent if stack_file else Path.cwd()
        result = preview(plan, directory, kubeconfig=kubeconfig)
        if result.note:
            click.echo(f"note: {result.note}", err=True)
        extra = result.findings
    meta = {
        "profile": plan.profile,
        "stackFile": stack_file or ("stackplan.yaml" if not profile else None),
        "planDigest": plan.to_dict()["digest"],
        "cluster": server,
        "context": context,
        "namespaces": list(plan.namespaces()),
        "strict": strict,
        "pulumi": use_pulumi,
        "apiRequests": stats["requests"],
        "seconds": round(time.perf_counter() - started, 3),
        "stackplanVersion": __version__,
        "generatedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    report = drift_report(plan, live, strict=strict, extra=extra, meta=meta)
    if junit_file:
        _write_report(junit_file, render(report, "junit"), "--junit-file")
    click.echo(render(report, output), nl=False)
    # sys.exit, not ctx.exit: cli.main runs click with standalone_mode=False, where ctx.exit's code is returned
    # from cli.main and then dropped
    sys.exit(report.exit_code())
