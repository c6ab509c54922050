"""Report renderers: one function per output format, chosen by name (RENDERERS drives click.Choice).

Every format shows the explanation of a finding when there is one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from planner.report import Cause, Explanation, Finding, Outcome, Report, Severity

_ICON = {Outcome.PASSED: "ok", Outcome.FAILED: "FAIL", Outcome.UNKNOWN: "??", Outcome.SKIPPED: "skip"}
_STYLE = {Outcome.PASSED: "green", Outcome.FAILED: "red", Outcome.UNKNOWN: "yellow", Outcome.SKIPPED: "dim"}


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _summary_line(report: Report) -> str:
    s = report.summary()
    text = (f"{s['PASSED']} passed, {s['FAILED']} failed, {s['UNKNOWN']} unknown, {s['SKIPPED']} skipped")
    if report.errors:
        text += f"; {len(report.errors)} errors"
    not_applicable = report.meta.get("notApplicable")
    if not_applicable:
        text += f" ({not_applicable} checks not applicable to this plan)"
    return text


PIPED_WIDTH = 120  # output that goes to a file or a pipe: wide enough for the table, stable for logs and tests


def output_width() -> int:
    """The terminal's width on a TTY (COLUMNS wins, as for rich), else PIPED_WIDTH."""
    import os
    import shutil
    import sys

    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    if sys.stdout.isatty():
        return max(40, shutil.get_terminal_size((PIPED_WIDTH, 24)).columns)
    return PIPED_WIDTH


def _title(f: Finding) -> str:
    """`HC005 kueue Pods are ...` without a double space when the finding has no component."""
    return " ".join(p for p in (f.check_id, f.component, f.title) if p)


def render_table(report: Report, *, width: int | None = None, show_passed: bool = False, flat: bool = False) -> str:
    """A compact table of the problems (one line each: result, check, component, subject — names are
    never split, only cut with an ellipsis), then one block per problem with the whole subject, message,
    evidence and explanation or fix. Passed findings are counted, not listed (unless show_passed).

    When the report has causes (and not `flat`), they come first: each cause's root, with the findings it
    explains folded under it, then the table of the problems no cause explains; the detail blocks follow
    the same order, one per cause (the root's evidence and fix, then what it explains) and one per other problem.
    """
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width or output_width(), force_terminal=False, soft_wrap=True,
                      highlight=False)
    causes = () if flat else report.causes
    by_id = report.by_id()
    linked = {i for c in causes for i in (c.root, *c.members)}
    if causes:
        console.print(_wrap(f"{len(causes)} root cause(s), explaining {len(linked)} of {len(report.problems())} "
                            "problems (--flat lists every finding alone):", console.width), markup=False)
        for n, c in enumerate(causes, 1):
            console.print(_cause_lines(n, c, by_id, console.width), markup=False)
    rest = [f for i, f in zip(report.ids(), report.findings, strict=True)
            if i not in linked and (f.is_problem or show_passed)]
    if rest:
        if causes:
            console.print("\nOther problems:" if any(f.is_problem for f in rest) else "", markup=False)
        console.print(_table(rest, console.width), soft_wrap=False)
    n = 0
    for n, c in enumerate(causes, 1):
        root = by_id[c.root]
        console.print("\n" + _wrap(f"{n}. cause {c.rule} ({c.confidence.value} confidence): {c.title}", console.width),
                      style="bold", markup=False)
        root = root if c.explanation is None else root.with_explanation(c.explanation)
        details = _details(root)
        console.print(_wrap(f"  {_ICON[root.outcome]} {_title(root)}\n  {root.subject}\n  {root.message}\n"
                            + (details + "\n" if details else "") + f"  Explains {len(c.members)} finding(s):\n"
                            + "\n".join(f"  · {by_id[m].check_id} {by_id[m].subject}: {by_id[m].message}"
                                        for m in c.members), console.width), markup=False)
    for k, f in enumerate((f for f in rest if f.is_problem), n + 1):
        console.print("\n" + _wrap(f"{k}. {_ICON[f.outcome]} {_title(f)}", console.width), style="bold", markup=False)
        console.print(_wrap(f"  {f.subject}\n  {f.message}\n{_details(f)}", console.width), markup=False)
    for err in report.errors:
        console.print(f"[yellow]error:[/] {err}")
    verdict = "problems found" if report.exit_code() else "all good"
    console.print("\n" + _wrap(f"{report.kind}: {_summary_line(report)} — {verdict}", console.width), markup=False)
    return buf.getvalue()


def _cause_lines(n: int, c: Cause, by_id: dict[str, Finding], width: int) -> str:
    """`1. RC004 (high) title` then the root and each member on one line, subjects cut, never split."""
    def line(prefix: str, f: Finding) -> str:
        text = f"{prefix}{_ICON[f.outcome]:4} {f.check_id} {f.component or '-'} {f.subject}"
        return text if len(text) <= width else text[:width - 1] + "…"

    head = _wrap(f"\n{n}. {c.rule} ({c.confidence.value}) {c.title}", width)
    return "\n".join([head, line("   cause    ", by_id[c.root]),
                      *(line("   explains ", by_id[m]) for m in c.members)])


def _table(shown: list[Finding], width: int):
    """Fixed-width columns computed here (rich would squeeze no_wrap columns to nothing): result, check and
    component keep their size, the subject gets the rest and is cut with an ellipsis, never split."""
    from rich.table import Table

    comp = min(20, max([len("component"), *(len(f.component or "") for f in shown)]))
    subject = max(12, min(width - 13 - 6 - 5 - comp, max(len(str(f.subject)) for f in shown)))
    table = Table(header_style="bold")
    table.add_column("result", no_wrap=True, width=6)
    table.add_column("check", no_wrap=True, width=5)
    table.add_column("component", no_wrap=True, overflow="ellipsis", width=comp)
    table.add_column("subject", no_wrap=True, overflow="ellipsis", width=subject)
    for f in shown:
        table.add_row(f"[{_STYLE[f.outcome]}]{_ICON[f.outcome]}[/]", f.check_id, f.component or "", str(f.subject))
    return table


def _wrap(text: str, width: int) -> str:
    """Wrap at spaces to the width with a hanging indent; a name longer than a line overflows, never split."""
    import textwrap

    out = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = line[:len(line) - len(body)]
        hang = indent + ("  " if body.startswith(("· ", "$ ")) else "    " if body[:4] in ("Why:", "Fix:") else "")
        out.append(textwrap.fill(body, width, initial_indent=indent, subsequent_indent=hang,
                                 break_long_words=False, break_on_hyphens=False) or line)
    return "\n".join(out)


def _details(f: Finding) -> str:
    lines = [f"  · {e}" for e in f.evidence[:8]]
    if len(f.evidence) > 8:
        lines.append(f"  · … {len(f.evidence) - 8} more (`-o json` lists all)")
    if f.explanation:
        lines += ["  " + line for line in _explanation_text(f.explanation).splitlines()]
    elif f.remediation:
        lines.append(f"  Fix: {f.remediation}")
    return "\n".join(lines)


def _explanation_text(x: Explanation) -> str:
    lines = [f"Why: {x.cause}", f"Fix: {x.fix}", *(f"$ {c}" for c in x.commands), f"(explained by {x.source})"]
    return "\n".join(lines)


def render_junit(report: Report) -> str:
    """One test suite per component (or check id), one test case per finding."""
    from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

    suites: dict[str, TestSuite] = {}
    for f in report.findings:
        key = f.component or f.check_id
        suite = suites.setdefault(key, TestSuite(f"stackplan {report.kind}: {key}"))
        case = TestCase(f"{f.check_id} {f.subject}", classname=f"stackplan.{report.kind}.{key}")
        body = f.message + "\n" + _details(f)
        if f.outcome is Outcome.FAILED:
            result = Failure(f.message, type_=f.severity.value)
            result.text = body
            case.result = [result]
        elif f.outcome is Outcome.UNKNOWN:
            result = Error(f.message, type_="UNKNOWN")
            result.text = body
            case.result = [result]
        elif f.outcome is Outcome.SKIPPED:
            case.result = [Skipped(f.message)]
        suite.add_testcase(case)
    xml = JUnitXml(f"stackplan {report.kind}")
    for key in sorted(suites):
        suites[key].update_statistics()
        xml.add_testsuite(suites[key])
    for err in report.errors:
        suite = TestSuite(f"stackplan {report.kind}: errors")
        case = TestCase(err[:80], classname=f"stackplan.{report.kind}.errors")
        case.result = [Error(err, type_="error")]
        suite.add_testcase(case)
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    out = xml.tostring()
    body = out.decode() if isinstance(out, bytes) else str(out)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
                Severity.LOW: "note", Severity.INFO: "note"}


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0: one rule per check id, one result per FAILED/UNKNOWN finding (the object; the stack file if any)."""
    from planner import __version__

    rules: dict[str, dict] = {}
    results = []
    stack_file = report.meta.get("stackFile")  # None with --profile: no file to point at
    cause_of = {i: c.id for c in report.causes for i in (c.root, *c.members)}
    for fid, f in zip(report.ids(), report.findings, strict=True):
        rules.setdefault(f.check_id, {
            "id": f.check_id,
            "name": f.title,
            "shortDescription": {"text": f.title},
            "helpUri": f.doc_url or None,
            "help": {"text": f.remediation or f.title},
        })
        if not f.is_problem:
            continue
        text = f"{f.subject}: {f.message}"
        if f.explanation:
            text += "\n" + _explanation_text(f.explanation)
        results.append({
            "ruleId": f.check_id,
            "level": _SARIF_LEVEL[f.severity] if f.outcome is Outcome.FAILED else "warning",
            "message": {"text": text},
            "locations": [_sarif_location(f, stack_file)],
            "properties": {"outcome": f.outcome.value, "component": f.component, "evidence": list(f.evidence),
                           **({"cause": cause_of[fid]} if fid in cause_of else {})},
        })
    for rule in rules.values():
        if rule["helpUri"] is None:
            del rule["helpUri"]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "stackplan", "version": __version__, "rules": list(rules.values())}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _sarif_location(f: Finding, stack_file: str | None) -> dict:
    """The object as a logical location; the stack file as the physical one only when one was read."""
    location: dict = {"logicalLocations": [{"fullyQualifiedName": str(f.subject), "kind": f.subject.kind}]}
    if stack_file:
        location["physicalLocation"] = {"artifactLocation": {"uri": str(stack_file)}}
    return location


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _cause_note(report: Report) -> dict[str, str]:
    """Finding id -> one line saying which root cause it is, or which cause explains it."""
    notes: dict[str, str] = {}
    for c in report.causes:
        notes[c.root] = f"Root cause {c.rule} ({c.confidence.value}) of {len(c.members)} other finding(s): {c.title}"
        for m in c.members:
            notes[m] = f"Explained by {c.rule} ({c.confidence.value}): {c.title}"
    return notes


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: ::error / ::warning per problem, ::notice for the summary."""
    stack_file = report.meta.get("stackFile")  # None with --profile: annotate without file=
    lines = []
    notes = _cause_note(report)
    for fid, f in zip(report.ids(), report.findings, strict=True):
        if not f.is_problem:
            continue
        level = "error" if f.outcome is Outcome.FAILED and f.severity in (
            Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM) else "warning"
        title = _title(f)
        body = f"{f.subject}: {f.message}"
        if fid in notes:
            body += "\n" + notes[fid]
        if f.explanation:
            body += "\n" + _explanation_text(f.explanation)
        elif f.remediation:
            body += f"\nFix: {f.remediation}"
        where = f"file={_gh_escape(str(stack_file), True)}," if stack_file else ""
        lines.append(f"::{level} {where}title={_gh_escape(title, True)}::{_gh_escape(body)}")
    for err in report.errors:
        lines.append(f"::warning title=stackplan {report.kind} error::{_gh_escape(err)}")
    lines.append(f"::notice title=stackplan {report.kind}::{_gh_escape(_summary_line(report))}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Report], str]] = {
    "table": render_table,
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": render_github,
}


def render_report(report: Report, fmt: str, *, flat: bool = False) -> str:
    """`flat` (table only): every finding alone, causes not grouped (the view before causes existed)."""
    if fmt == "table":
        return render_table(report, flat=flat)
    try:
        return RENDERERS[fmt](report)
    except KeyError:
        from planner.errors import InputError

        raise InputError(f"unknown output format `{fmt}`", hint=f"use one of: {', '.join(RENDERERS)}") from None
