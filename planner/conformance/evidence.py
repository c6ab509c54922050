"""Cluster mode: run the conformance checks (same runner functions, ClusterView and reader as `stackplan
check`) and fold their findings into one status per requirement, in upstream's vocabulary:
Implemented | Partially Implemented | Not Implemented | N/A, or "" when nothing could tell
(cncf/k8s-ai-conformance:scripts/validate.go validStatuses).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.runner import evaluate
from planner.checks.view import ClusterView
from planner.cluster import Reader
from planner.conformance.checklist import MUST, Checklist, Requirement
from planner.conformance.registry import CHECKS, REQUIREMENT_CHECKS
from planner.conformance.satisfy import SATISFIERS
from planner.model import Plan
from planner.report import Finding, Outcome
from planner.secrets import redact_text

IMPLEMENTED = "Implemented"
PARTIAL = "Partially Implemented"
NOT_IMPLEMENTED = "Not Implemented"
NA = "N/A"
UNDETERMINED = ""
NOTES_MAX = 900  # characters of findings quoted in a PRODUCT.yaml note


@dataclass(frozen=True)
class Evidence:
    requirement: Requirement
    status: str
    findings: tuple[Finding, ...]
    checks: tuple[str, ...]  # ids of the checks that ran for it
    notes: str
    seconds: float = 0.0

    @property
    def blocking(self) -> bool:
        """A MUST that is neither Implemented nor N/A: the platform is not conformant yet (exit 1)."""
        return self.requirement.level == MUST and self.status not in (IMPLEMENTED, NA)

    def to_dict(self) -> dict[str, object]:
        r = self.requirement
        return {"id": r.id, "category": r.category, "level": r.level, "status": self.status,
                "checks": list(self.checks), "notes": self.notes,
                "findings": [f.to_dict() for f in self.findings]}


def _verdict(check: Check, findings: list[Finding]) -> str:
    outcomes = [f.outcome for f in findings]
    passed, failed = Outcome.PASSED in outcomes, Outcome.FAILED in outcomes
    if getattr(check, "mode", "all") == "any" and passed:
        return IMPLEMENTED
    if all(o is Outcome.SKIPPED for o in outcomes):
        return NA
    if Outcome.UNKNOWN in outcomes and not passed and not failed:
        return UNDETERMINED
    if passed and not failed and Outcome.UNKNOWN not in outcomes:
        return IMPLEMENTED
    return PARTIAL if passed else NOT_IMPLEMENTED


def combine(verdicts: Iterable[str]) -> str:
    """One requirement's status from its checks' verdicts."""
    given = list(verdicts)
    vs = [v for v in given if v != NA] or given
    if not vs:
        return UNDETERMINED
    if all(v == NA for v in vs):
        return NA
    if all(v == IMPLEMENTED for v in vs):
        return IMPLEMENTED
    if any(v in (IMPLEMENTED, PARTIAL) for v in vs):
        return PARTIAL
    if all(v == UNDETERMINED for v in vs):
        return UNDETERMINED
    return NOT_IMPLEMENTED


def _notes(req: Requirement, status: str, findings: list[Finding]) -> str:
    if not findings:
        return (f"Not evaluated by stackplan (no automated evidence). What satisfies it: {SATISFIERS[req.id].how}."
                if req.id in SATISFIERS else "Not evaluated by stackplan.")
    order = {Outcome.FAILED: 0, Outcome.UNKNOWN: 1, Outcome.SKIPPED: 2, Outcome.PASSED: 3}
    lines = [f"{f.check_id} {f.outcome.value}: {f.message}" for f in sorted(findings, key=lambda f: order[f.outcome])]
    text = f"stackplan: {status or 'undetermined'}. " + "; ".join(lines)
    return text if len(text) <= NOTES_MAX else text[: NOTES_MAX - 1] + "…"


def gather(plan: Plan, reader: Reader, checklist: Checklist, *, now: datetime | None = None) -> tuple[Evidence, ...]:
    """Evidence for every requirement of `checklist` on the cluster behind `reader` (read-only LISTs)."""
    view = ClusterView(plan, reader, now=now or k8s.utcnow())
    wanted = {cid for r in checklist.requirements for cid in REQUIREMENT_CHECKS.get(r.id, ())}
    applicable = {cid: CHECKS[cid] for cid in sorted(wanted)
                  if cid.startswith("AC") or CHECKS[cid].applies_to(view.components)}
    prefetch = getattr(reader, "prefetch", None)
    if prefetch is not None:
        kinds: dict = {}
        for c in applicable.values():
            kinds.update(dict.fromkeys(c.reads))
        prefetch(tuple(kinds))
    out: list[Evidence] = []
    for req in checklist.requirements:
        started = time.perf_counter()
        ids = [cid for cid in REQUIREMENT_CHECKS.get(req.id, ()) if cid in applicable]
        per_check = {cid: [replace(f, message=redact_text(f.message), evidence=tuple(map(redact_text, f.evidence)))
                           for f in evaluate(applicable[cid], view)] for cid in ids}
        findings = [f for fs in per_check.values() for f in fs]
        status = combine(_verdict(applicable[cid], fs) for cid, fs in per_check.items())
        out.append(Evidence(req, status, tuple(findings), tuple(ids), _notes(req, status, findings),
                            round(time.perf_counter() - started, 3)))
    return tuple(out)
