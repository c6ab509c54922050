"""Run every applicable check over one ClusterView; never let one check abort the run.

- checks whose components are not in the plan (or not selected with --component) are not applicable:
  they are left out of the report and counted in meta["notApplicable"];
- an applicable check with nothing to look at gives one SKIPPED finding;
- a component that is not installed at all (HC009) gets one finding: its other problems are folded into it;
- a check that cannot list a kind it needs (ReadError: 403, CRD missing, timeout, malformed answer)
  or that raises on a malformed object becomes one UNKNOWN finding "[HC0xx] reason"; the rest still run;
- every kind the applicable checks read is listed once, in parallel, before they run;
- the problems are then linked into root causes (planner/causes).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.fold import fold_absent_components
from planner.checks.registry import CHECKS
from planner.checks.view import ClusterView
from planner.cluster import Reader, ReadError
from planner.errors import InputError
from planner.model import Plan
from planner.report import Finding, Outcome, Report, Severity, Subject
from planner.secrets import redact_text


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


def _skipped(check: Check, message: str) -> Finding:
    return Finding(check_id=check.id, title=check.title, outcome=Outcome.SKIPPED,
                   subject=Subject("Check", check.id), message=message, severity=Severity.INFO, doc_url=check.doc_url)


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


def _owned(check: Check, findings: list[Finding], selected: set[str]) -> list[Finding]:
    """A check for several components (HC012: gpu-operator or fake-gpu-operator) names the one in the plan."""
    mine = sorted(set(check.components) & selected)
    if len(mine) != 1:
        return findings
    return [f if f.component else replace(f, component=mine[0]) for f in findings]


def run_checks(plan: Plan, reader: Reader, components: Iterable[str] | None = None, *,
               check_ids: Iterable[str] | None = None, now: datetime | None = None) -> Report:
    """Run the health checks for `plan` against the cluster behind `reader` and return the Report.

    meta timings (all wall-clock seconds, see docs/checks.md "Report meta"): `seconds` for this whole
    function, `listSeconds` for the parallel prefetch of every kind, `checkSeconds` for evaluating the
    checks; `api.listSecondsSummed` adds up every LIST request's own duration over the parallel threads,
    so it can exceed `listSeconds`. `stackplan check` widens `seconds` to include connecting to the API.
    """
    started = time.perf_counter()
    selected = _select_components(plan, components)
    view = ClusterView(plan, reader, selected, now=now or k8s.utcnow())
    checks = [CHECKS[i] for i in check_ids] if check_ids else list(CHECKS.values())
    applicable = [c for c in checks if c.applies_to(selected)]
    prefetch = getattr(reader, "prefetch", None)
    if prefetch is not None:
        from planner.checks.registry import kinds_read

        prefetch(kinds_read(applicable))
    listed = time.perf_counter()
    findings: list[Finding] = []
    for check in applicable:
        findings.extend(_owned(check, evaluate(check, view), selected))
    # messages and evidence quote pod messages, events and conditions: credentials never reach any output format
    findings = [replace(f, message=redact_text(f.message), evidence=tuple(map(redact_text, f.evidence)))
                for f in findings]
    findings, folded = fold_absent_components(findings)
    from planner.causes import link

    causes = link(findings)
    done = time.perf_counter()
    meta: dict[str, Any] = {
        "profile": plan.profile,
        "components": sorted(selected),
        "checks": len(applicable),
        "notApplicable": len(checks) - len(applicable),
        "folded": folded,
        "seconds": round(done - started, 3),
        "listSeconds": round(listed - started, 3),
        "checkSeconds": round(done - listed, 3),
    }
    for attr in ("server", "context"):
        if getattr(reader, attr, None):
            meta[attr] = getattr(reader, attr)
    stats = getattr(reader, "stats", None)
    if callable(stats):
        api = dict(stats())
        if "listSeconds" in api:  # the reader's name for the summed request time: not a wall-clock time
            api["listSecondsSummed"] = api.pop("listSeconds")
        meta["api"] = api
    return Report(kind="check", findings=tuple(findings), meta=meta, causes=causes)
