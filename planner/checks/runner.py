"""Run every applicable check over one ClusterView; never let one check abort the run.

- checks whose components are not in the plan (or not selected with --component) are SKIPPED;
- a check that cannot list a kind it needs (ReadError: 403, CRD missing, timeout, malformed answer)
  or that raises on a malformed object becomes one UNKNOWN finding "[HC0xx] reason"; the rest still run;
- every kind the applicable checks read is listed once, in parallel, before they run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.registry import CHECKS
from planner.checks.view import ClusterView
from planner.cluster import Reader, ReadError
from planner.errors import InputError
from planner.model import Plan
from planner.report import Finding, Outcome, Report, Severity, Subject


def _select_components(plan: Plan, components: Iterable[str] | None) -> set[str]:
    in_plan = {r.component for r in plan.releases.values()}
    if not components:
        return in_plan
    chosen = set(components)
    unknown = sorted(chosen - in_plan)
    if unknown:
        raise InputError(f"--component {', '.join(unknown)}: not in the plan",
                         hint=f"components of this plan: {', '.join(sorted(in_plan))}")
    return chosen


def _skipped(check: Check, message: str | None = None) -> Finding:
    return Finding(check_id=check.id, title=check.title, outcome=Outcome.SKIPPED,
                   subject=Subject("Check", check.id),
                   message=message or f"applies to {', '.join(check.components)}; none of them is in the plan "
                                      "or selected",
                   severity=Severity.INFO, doc_url=check.doc_url)


def _unknown(check: Check, message: str, evidence: tuple[str, ...] = ()) -> Finding:
    return Finding(check_id=check.id, title=check.title, outcome=Outcome.UNKNOWN,
                   subject=Subject("Check", check.id), message=f"[{check.id}] {message}",
                   severity=check.severity, component=check.components[0] if len(check.components) == 1 else None,
                   evidence=evidence, remediation=check.remediation, doc_url=check.doc_url)


def evaluate(check: Check, view: ClusterView) -> list[Finding]:
    """One check's findings; failures to read or to interpret become one UNKNOWN finding."""
    try:
        findings = check.evaluate(view)
    except ReadError as e:
        hint = "install the component (its CRD is missing)" if e.not_installed else ""
        return [_unknown(check, e.reason, (f"LIST {e.kind.path()} -> {e.status or 'no answer'}",)
                         + ((hint,) if hint else ()))]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        return [_unknown(check, f"malformed object: {type(e).__name__}: {e}")]
    return findings or [_skipped(check, "nothing to check: the selected components declare no such objects")]


def run_checks(plan: Plan, reader: Reader, components: Iterable[str] | None = None, *,
               check_ids: Iterable[str] | None = None, now: datetime | None = None) -> Report:
    """Run the health checks for `plan` against the cluster behind `reader` and return the Report."""
    started = time.perf_counter()
    selected = _select_components(plan, components)
    view = ClusterView(plan, reader, selected, now=now or k8s.utcnow())
    checks = [CHECKS[i] for i in check_ids] if check_ids else list(CHECKS.values())
    applicable = [c for c in checks if c.applies_to(selected)]
    prefetch = getattr(reader, "prefetch", None)
    if prefetch is not None:
        from planner.checks.registry import kinds_read

        prefetch(kinds_read(applicable))
    findings: list[Finding] = []
    for check in checks:
        findings.extend(evaluate(check, view) if check in applicable else [_skipped(check)])
    meta = {
        "profile": plan.profile,
        "components": sorted(selected),
        "checks": len(checks),
        "seconds": round(time.perf_counter() - started, 3),
    }
    for attr in ("server", "context"):
        if getattr(reader, attr, None):
            meta[attr] = getattr(reader, attr)
    stats = getattr(reader, "stats", None)
    if callable(stats):
        meta["api"] = stats()
    return Report(kind="check", findings=tuple(findings), meta=meta)
