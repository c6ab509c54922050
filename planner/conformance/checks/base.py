"""ConformanceCheck: a health Check that gives evidence for one AI Conformance requirement.

Outcomes read as evidence: PASSED (shown), FAILED (not shown, or shown wrong), SKIPPED (the requirement's
condition does not hold here: N/A, e.g. no accelerators), UNKNOWN (could not read). `mode = "any"`: one
PASSED finding is enough (one accepted GatewayClass, one working operator); the FAILED ones stay as notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from planner.checks.base import Check
from planner.report import Finding, Outcome, Severity, Subject

DOCS = "https://github.com/stackplan/stackplan/blob/main/docs/conformance.md"


class ConformanceCheck(Check):
    requirement: ClassVar[str]  # upstream id (planner/conformance/checklists.yaml)
    mode: ClassVar[str] = "all"  # all | any

    def __init_subclass__(cls, **kw: object) -> None:
        super().__init_subclass__(**kw)
        if "doc_url" not in cls.__dict__ and "id" in cls.__dict__:
            cls.doc_url = f"{DOCS}#{cls.id.lower()}"

    def not_applicable(self, message: str, evidence: Iterable[str] = ()) -> Finding:
        """The requirement's condition does not hold on this cluster (upstream: status N/A with a note)."""
        return Finding(check_id=self.id, title=self.title, outcome=Outcome.SKIPPED, subject=Subject("Check", self.id),
                       message=message, severity=Severity.INFO, evidence=tuple(evidence), doc_url=self.doc_url)
