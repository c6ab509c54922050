"""Fold the problems of a component that is not installed into its one HC009 finding.

When HC009 finds none of a component's declared objects, every other check of that component fails
for the same reason (CRD missing, Deployment missing, webhook without a Service, API not served).
Those findings are removed and listed, one evidence line each, on the HC009 finding: the table shows
"component X is not installed" once, and `-o json` still carries every detail. Only problems that the
absence explains are folded: FAILED findings, and UNKNOWN ones whose API is not served (the runner marks
them `Finding.api_not_served` from the typed ReadError, status 404); an UNKNOWN for a forbidden kind (403)
or a timeout is another problem and stays. Nothing here reads a message's wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from planner.report import Finding, Outcome

NOT_INSTALLED = "HC009"


def _explained_by_absence(f: Finding) -> bool:
    if f.outcome is Outcome.FAILED:
        return True
    return f.outcome is Outcome.UNKNOWN and f.api_not_served


def fold_absent_components(findings: Sequence[Finding]) -> tuple[list[Finding], int]:
    """(findings with the absent components' other problems folded in, how many were folded)."""
    absent = {f.component for f in findings
              if f.check_id == NOT_INSTALLED and f.outcome is Outcome.FAILED and f.component}
    if not absent:
        return list(findings), 0
    folded: dict[str, list[Finding]] = {c: [] for c in absent}
    kept: list[Finding] = []
    for f in findings:
        if f.check_id != NOT_INSTALLED and f.component in absent and _explained_by_absence(f):
            folded[f.component].append(f)
        else:
            kept.append(f)
    total = sum(len(v) for v in folded.values())
    out = []
    for f in kept:
        extra = folded.get(f.component or "") if f.check_id == NOT_INSTALLED and f.outcome is Outcome.FAILED else None
        if extra:
            lines = [f"folded: {x.check_id} {x.outcome.value} {x.subject}: {x.message}" for x in extra]
            f = replace(f, evidence=(*f.evidence, *lines),
                        message=f"{f.message} ({len(extra)} finding(s) of its checks folded into this one)")
            folded[f.component or ""] = []  # a component with several absent releases: fold once
        out.append(f)
    return out, total
