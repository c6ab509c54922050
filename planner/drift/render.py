"""Drift output: the shared renderers (planner.render.report) plus what drift adds.

- `junit`: one test case per component (all of its DR checks in one case), one per unmanaged component.
- `table` and `github`: DR007 notes (unmanaged components, PASSED without --strict) are listed too,
  since the shared renderers show only problems.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.render.report import RENDERERS, render_report
from planner.report import Finding, Outcome, Report, Severity

CHOICES = ("table", "json", "junit", "github", "sarif")


def notes(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.outcome is Outcome.PASSED and f.severity is Severity.INFO
            and f.check_id == "DR007"]


def render_table(report: Report) -> str:
    out = RENDERERS["table"](report)
    extra = [f"note: {f.subject}: {f.message}" for f in notes(report)]
    return out + ("\n".join(extra) + "\n" if extra else "")


def _gh(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_github(report: Report) -> str:
    out = RENDERERS["github"](report)
    extra = [f"::notice title=DR007 unmanaged component::{_gh(f'{f.subject}: {f.message}')}" for f in notes(report)]
    return out + ("\n".join(extra) + "\n" if extra else "")


def _case_key(f: Finding) -> str:
    return f.component or str(f.subject)


def render_junit(report: Report) -> str:
    """One <testcase> per component: failed when any of its findings is FAILED, error when UNKNOWN."""
    from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(_case_key(f), []).append(f)
    suite = TestSuite(f"stackplan {report.kind}")
    for key, items in groups.items():
        case = TestCase(key, classname=f"stackplan.{report.kind}")
        failed = [f for f in items if f.outcome is Outcome.FAILED]
        unknown = [f for f in items if f.outcome is Outcome.UNKNOWN]
        lines = [f"{f.outcome.value} {f.check_id} {f.title}: {f.subject}: {f.message}"
                 + "".join(f"\n  · {e}" for e in f.evidence) for f in items]
        if failed:
            result = Failure("; ".join(f"{f.check_id} {f.message}" for f in failed)[:1000], type_="drift")
        elif unknown:
            result = Error("; ".join(f"{f.check_id} {f.message}" for f in unknown)[:1000], type_="UNKNOWN")
        else:
            result = None
        if result is not None:
            result.text = "\n".join(lines)
            case.result = [result]
        else:
            case.system_out = "\n".join(lines)
        suite.add_testcase(case)
    for err in report.errors:
        case = TestCase(err[:80], classname=f"stackplan.{report.kind}.errors")
        case.result = [Error(err, type_="error")]
        suite.add_testcase(case)
    suite.update_statistics()
    xml = JUnitXml(f"stackplan {report.kind}")
    xml.add_testsuite(suite)
    xml.update_statistics()
    text = xml.tostring()
    return (text.decode() if isinstance(text, bytes) else str(text)) + "\n"


_DRIFT: dict[str, Callable[[Report], str]] = {"table": render_table, "github": render_github,
                                              "junit": render_junit}


def render(report: Report, fmt: str) -> str:
    fn = _DRIFT.get(fmt)
    return fn(report) if fn else render_report(report, fmt)
