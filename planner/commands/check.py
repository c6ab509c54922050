"""`stackplan check`: is the installed stack healthy? Exit 0 healthy, 1 problems, 2 bad input, 3 unreachable."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from planner.commands.options import cluster_options, load_plan, output_option, stack_options, timeout_option

FORMATS = ["table", "json", "junit", "sarif", "github"]


@click.command()
@stack_options
@cluster_options
@output_option(FORMATS)
@click.option("--component", "components", multiple=True, metavar="C",
              help="Only check this component (repeatable); cross-cutting checks then cover its namespaces.")
@click.option("--explain", is_flag=True,
              help="Explain every FAILED/UNKNOWN finding (LLM, or the offline knowledge base).")
@click.option("--offline", is_flag=True, help="With --explain: use only the offline knowledge base.")
@click.option("--anonymize", is_flag=True,
              help="With --explain: mask object, namespace and node names before sending.")
@click.option("--show-prompt", is_flag=True,
              help="With --explain: print what would be sent to the model, send nothing.")
@click.option("--no-cache", is_flag=True, help="With --explain: ask the model again, ignore cached answers.")
@click.option("--flat", is_flag=True,
              help="Table: list every problem alone, without grouping the findings a root cause explains.")
@click.option("--report-file", type=click.Path(dir_okay=False, writable=True), metavar="PATH",
              help="Also write the JSON report here (for `stackplan explain PATH` later).")
@click.option("--junit-file", type=click.Path(dir_okay=False, writable=True), metavar="PATH",
              help="Also write the report as JUnit XML here (CI: annotations with -o github, JUnit for the record).")
@timeout_option("10s", "Timeout of each API request")
def check(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, kubeconfig: str | None,
          context: str | None, output: str, components: tuple[str, ...], explain: bool, offline: bool,
          anonymize: bool, show_prompt: bool, no_cache: bool, flat: bool, report_file: str | None,
          junit_file: str | None, timeout: float) -> None:
    """Run the health checks for the plan's components against the live cluster.

    \b
    One LIST per resource kind, shared by every check; read-only (see `stackplan rbac`), never Secrets.
    Results per check and subject: PASSED, FAILED, UNKNOWN (could not read or interpret), SKIPPED.
    Problems that one root cause explains are grouped under it (rules: docs/checks.md, Causes); --flat lists
    them one by one.
    Exit 0 healthy; 1 any FAILED or UNKNOWN; 2 bad input; 3 the API cannot be reached or authenticated.
    """
    from datetime import UTC, datetime

    from planner import __version__
    from planner.checks.runner import run_checks
    from planner.cluster import ClusterReader
    from planner.render.report import render_report

    if (offline or anonymize or show_prompt or no_cache) and not explain:
        raise click.UsageError("--offline, --anonymize, --show-prompt and --no-cache only apply with --explain")
    if explain and not offline:
        from planner.explain.config import resolve_config

        resolve_config()  # a bad model or base URL in the environment or config file is exit 2 before the run
    if report_file:
        _check_writable(report_file)
    if junit_file:
        _check_writable(junit_file, "--junit-file")
    plan = load_plan(stack_file, profile, sets, strict)
    started = time.perf_counter()
    with ClusterReader(kubeconfig, context, timeout) as reader:
        version = reader.ping()
        report = run_checks(plan, reader, components or None)
    meta = dict(report.meta)
    meta.update({
        "seconds": round(time.perf_counter() - started, 3),  # wall clock, connecting to the API included
        "stackFile": stack_file or (None if profile else "stackplan.yaml"),
        "kubernetesVersion": version.get("gitVersion"),
        "stackplanVersion": __version__,
        "generatedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    report = type(report)(kind=report.kind, findings=report.findings, errors=report.errors, meta=meta,
                          causes=report.causes)
    if explain:
        from planner.explain import explain_report

        def warn(message: str) -> None:
            click.echo(message, err=True)

        report = explain_report(report, offline=offline, anonymize=anonymize, show_prompt=show_prompt,
                                no_cache=no_cache, echo=warn, prompt_echo=click.echo)
    if report_file:
        _write_report(report_file, render_report(report, "json"))
    if junit_file:
        _write_report(junit_file, render_report(report, "junit"), "--junit-file")
    if not show_prompt:  # --show-prompt prints the requests only
        click.echo(render_report(report, output, flat=flat), nl=False)
    # sys.exit, not ctx.exit: the CLI runs click with standalone_mode=False
    sys.exit(report.exit_code())


def _check_writable(path: str, flag: str = "--report-file") -> None:
    """Fail before the run (exit 2), not after printing the results, when the report file cannot be written."""
    from planner.errors import InputError

    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{flag} {path}: is a directory", hint="name a file, e.g. check.json")
    if not parent.is_dir():
        raise InputError(f"{flag} {path}: the directory {parent} does not exist",
                         hint="create it first, or write the report elsewhere")
    if not os.access(target if target.exists() else parent, os.W_OK):
        raise InputError(f"{flag} {path}: not writable", hint="write the report somewhere you can write")


def _write_report(path: str, text: str, flag: str = "--report-file") -> None:
    from planner.errors import InputError

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{flag} {path}: cannot write: {e.strerror}") from e
