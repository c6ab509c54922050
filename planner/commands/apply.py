"""`stackplan apply`: install the plan with helm (and kubectl for kustomize), wave by wave."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.commands.options import cluster_options, load_plan, output_option, stack_options
from planner.errors import InputError


@click.command()
@stack_options
@cluster_options
@click.option("--dry-run", is_flag=True, help="Print what would be done, wave by wave; change nothing.")
@click.option("--timeout", default="10m", show_default=True, metavar="DURATION",
              help="How long each release may take to become ready (helm --wait), e.g. 90s, 10m.")
@click.option("--chart-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Take every release from this local directory (<chart>/, <chart>-<version>.tgz, or a "
                   "<release>/ kustomize folder): offline installs and tests.")
@click.option("--preflight", "with_preflight", is_flag=True,
              help="Run `stackplan preflight` first and install nothing if it finds a problem (exit 1).")
@output_option(["table", "json"])
def apply(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
          kubeconfig: str | None, context: str | None, dry_run: bool, timeout: str,
          chart_dir: Path | None, with_preflight: bool, output: str) -> None:
    """Install the plan: wave by wave, each wave's releases in parallel, each `helm upgrade --install --wait`.

    \b
    Re-running is safe: releases already deployed with the same chart version and values are skipped.
    `--output json` prints the summary (or the dry run) as JSON on stdout; progress goes to stderr.
    Exit codes: 0 installed, 1 a release failed (or --preflight found problems: nothing installed), 2 bad input,
    3 cluster unreachable or helm missing.
    """
    from planner.engine.charts import resolve_targets
    from planner.engine.duration import normalise

    try:
        timeout = normalise(timeout)
    except ValueError as e:
        raise InputError(f"--timeout {timeout!r}: not a duration", hint="use e.g. 90s, 10m or 1h30m") from e
    plan = load_plan(stack_file, profile, sets, strict, chart_dir=chart_dir,  # --chart-dir: part of the plan
                     installing=not dry_run)
    targets = resolve_targets(plan)
    from planner.prerequisites import section

    for line in section(plan.prerequisites):  # stackplan apply creates none of them (stderr: stdout may be JSON)
        click.echo(line, err=True)
    if dry_run:
        from planner.engine.dryrun import describe, describe_dict

        if output == "json":
            import json

            click.echo(json.dumps(describe_dict(plan, targets, timeout), indent=2))
        else:
            click.echo(describe(plan, targets, timeout))
        return
    if with_preflight:
        from planner.commands.preflight import run as preflight
        from planner.render.report import render_report

        report = preflight(plan, kubeconfig, context, 10.0)
        if report.exit_code():
            click.echo(render_report(report, "json" if output == "json" else "table"), nl=False)
            click.echo("apply: preflight found problems; nothing was installed", err=True)
            sys.exit(report.exit_code())
        counts = report.summary()
        click.echo(f"preflight: ready ({counts['PASSED']} passed, {counts['SKIPPED']} with nothing to check)", err=True)
    from planner.engine.install import install

    result = install(plan, targets, kubeconfig=kubeconfig, context=context, timeout=timeout, output=output)
    sys.exit(result.exit_code())
