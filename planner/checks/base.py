"""The base of every health check: identity as class attributes, one `evaluate(view)` method.

A check returns one Finding per subject it looked at (or, for cluster-wide scans, one per problem
plus a single PASSED summary). It never catches ReadError: the runner makes it UNKNOWN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from planner.checks.view import ClusterView, Obj
from planner.kinds import Kind
from planner.report import Finding, Outcome, Severity, Subject

DOCS = "https://github.com/stackplan/stackplan/blob/main/docs/checks.md"
_PLACEHOLDER = re.compile(r"\b(NS|NAME|POD|NODE)\b")


def fill_placeholders(text: str, subject: Subject) -> str:
    """Put the finding's real namespace and name into a remediation written with NS, NAME, POD, NODE
    (`kubectl -n NS describe pod POD` -> `kubectl -n kueue-system describe pod kueue-...`). A placeholder
    that the subject cannot fill (no namespace; POD for a Node) is left as it is."""
    if subject.kind in ("Scope", "Check"):
        return text

    def one(m: re.Match[str]) -> str:
        word = m.group(1)
        if word == "NS":
            return subject.namespace or word
        if word == "NAME" or (word == "POD" and subject.kind == "Pod") or (word == "NODE" and subject.kind == "Node"):
            return subject.name
        return word

    return _PLACEHOLDER.sub(one, text)


class Check:
    """Subclass, set the class attributes, implement `evaluate`. Register it in registry.py."""

    id: ClassVar[str]  # HC###, stable, never reused
    title: ClassVar[str]  # the healthy state: "ClusterPolicy is ready"
    components: ClassVar[tuple[str, ...]] = ()  # empty: applies to every plan
    severity: ClassVar[Severity] = Severity.MEDIUM  # of a FAILED finding unless given
    reads: ClassVar[tuple[Kind, ...]] = ()  # every kind evaluate() lists (drives prefetch and `stackplan rbac`)
    remediation: ClassVar[str] = ""
    doc_url: ClassVar[str] = ""

    def applies_to(self, components: Iterable[str]) -> bool:
        return not self.components or bool(set(self.components) & set(components))

    def evaluate(self, view: ClusterView) -> list[Finding]:
        raise NotImplementedError

    # ----- finding builders

    def _finding(self, outcome: Outcome, subject: Subject, message: str, *, evidence: Iterable[str] = (),
                 severity: Severity | None = None, remediation: str | None = None, component: str | None = None,
                 sensitive: Iterable[str] = (), facts: dict[str, str | None] | None = None) -> Finding:
        if component is None and len(self.components) == 1:
            component = self.components[0]
        return Finding(
            check_id=self.id, title=self.title, outcome=outcome, subject=subject, message=message,
            severity=Severity.INFO if outcome is Outcome.PASSED else (severity or self.severity),
            component=component, evidence=tuple(evidence),
            remediation="" if outcome is Outcome.PASSED else fill_placeholders(remediation or self.remediation,
                                                                               subject),
            doc_url=self.doc_url or f"{DOCS}#{self.id.lower()}", sensitive=tuple(dict.fromkeys(sensitive)),
            facts=tuple(sorted((k, str(v)) for k, v in (facts or {}).items() if v not in (None, ""))),
        )

    def passed(self, subject: Subject, message: str, **kw) -> Finding:
        return self._finding(Outcome.PASSED, subject, message, **kw)

    def failed(self, subject: Subject, message: str, **kw) -> Finding:
        return self._finding(Outcome.FAILED, subject, message, **kw)

    def unknown(self, subject: Subject, message: str, **kw) -> Finding:
        return self._finding(Outcome.UNKNOWN, subject, f"[{self.id}] {message}", **kw)

    def scope(self, what: str) -> Subject:
        """The subject of a summary finding over many objects, e.g. `Scope/nodes`."""
        return Subject("Scope", what)


def subject_of(obj: Obj) -> Subject:
    from planner.checks.k8s import subject

    return subject(obj)
