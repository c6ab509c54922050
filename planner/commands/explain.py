"""`stackplan explain REPORT.json`: explain the problems of a report written by `check --output json`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from planner.commands.options import output_option
from planner.errors import InputError, Location, MultipleErrors, StackplanError

OUTPUTS = ("table", "json", "junit", "sarif", "github")
MAX_REPORT_BYTES = 64 << 20  # reports grow with the cluster; stack files stay small (planner/load.MAX_BYTES)


def read_report(path: str):
    """Load and validate a report JSON file; any problem is an InputError naming the file (exit 2)."""
    from planner.report import Report

    where = Location(path)
    try:
        if Path(path).stat().st_size > MAX_REPORT_BYTES:  # before reading: the file may be arbitrarily large
            raise InputError(f"the report is {Path(path).stat().st_size:,} bytes, over the limit of "
                             f"{MAX_REPORT_BYTES:,}", location=where,
                             hint="explain a report of fewer findings, e.g. `check --component NAME -o json`")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(f"report file not found: {path}", hint="write one with `stackplan check --output json > "
                                                                "report.json`") from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the report: {e}", location=where) from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON: {e.msg}", location=Location(path, e.lineno, e.colno),
                         hint="pass the output of `stackplan check --output json`") from e
    except RecursionError as e:
        raise InputError("values nested deeper than a report can be", location=where,
                         hint="pass the output of `stackplan check --output json`") from e
    if not isinstance(data, dict) or data.get("kind") != "Report":
        raise InputError("not a stackplan report (expected an object with \"kind\": \"Report\")", location=where,
                         hint="pass the output of `stackplan check --output json`")
    _validate(text, data, path)
    try:
        return Report.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"malformed report: {type(e).__name__}: {e}", location=where) from e


def _validate(text: str, data: dict, path: str) -> None:
    """Check against schemas/report.schema.json; errors carry file:line:col and the JSON pointer. The same
    problem in many findings (a key missing from all 20) is reported once, with how often it occurs."""
    from planner.load import MAX_BYTES, parse_yaml, validate
    from planner.model import Origin

    try:  # positions are only needed for errors: a valid report is never parsed a second time
        validate(data, "report", Origin(path, {}, {}))
        return
    except StackplanError:
        pass
    # JSON is YAML: parsing it again gives every key its line and column (pointers only for a large report)
    origin = parse_yaml(text, path)[1] if len(text) <= MAX_BYTES else Origin(path, {}, {})
    try:
        validate(data, "report", origin)
    except MultipleErrors as e:
        raise _distinct(e.errors) from None


def _distinct(errors: list[StackplanError]) -> StackplanError:
    """One error per distinct (message, hint): the first occurrence's location and `(N times)` for repeats."""
    groups: dict[tuple[str, str | None], list[StackplanError]] = {}
    for err in errors:
        groups.setdefault((err.message, err.hint), []).append(err)
    out: list[StackplanError] = []
    for (message, hint), errs in groups.items():
        first = errs[0]
        if len(errs) > 1:
            first = type(first)(f"{message} ({len(errs)} times, the first shown)", hint=hint, location=first.location)
        out.append(first)
    return out[0] if len(out) == 1 else MultipleErrors(out)


@click.command()
@click.argument("report_file", metavar="REPORT.json")
@click.option("--offline", is_flag=True, help="Use only the offline knowledge base (send nothing).")
@click.option("--anonymize", is_flag=True,
              help="Replace names (namespaces, pods, nodes, images, IPs) with placeholders before sending.")
@click.option("--show-prompt", is_flag=True, help="Print exactly what would be sent to the model, and send nothing.")
@click.option("--model", metavar="ID", help="Model id (overrides $STACKPLAN_MODEL and the config file).")
@click.option("--base-url", metavar="URL", help="Messages API base URL (overrides $ANTHROPIC_BASE_URL and the config).")
@click.option("--no-cache", is_flag=True, help="Ask the model again: do not read or write cached answers.")
@output_option(OUTPUTS)
def explain(report_file: str, offline: bool, anonymize: bool, show_prompt: bool, model: str | None,
            base_url: str | None, no_cache: bool, output: str) -> None:
    """Explain the failed and unknown findings of REPORT.json (from `stackplan check --output json`).

    \b
    Uses the model when ANTHROPIC_API_KEY is set, the offline knowledge base otherwise (or with --offline,
    or when the API fails). Exit 0 when explained, 2 when the report file is invalid.
    """
    from planner.explain import explain_report
    from planner.render.report import render_report

    if offline and show_prompt:
        raise click.UsageError("--show-prompt shows what would be sent to the model; --offline sends nothing")
    report = read_report(report_file)

    def warn(message: str) -> None:
        click.echo(message, err=True)

    explained = explain_report(report, offline=offline, anonymize=anonymize, show_prompt=show_prompt,
                               model=model, base_url=base_url, no_cache=no_cache, echo=warn, prompt_echo=click.echo)
    if not show_prompt:
        click.echo(render_report(explained, output), nl=False)
