"""Findings and reports: the results of `check` and `drift`, as plain frozen data.

A Finding is one check's verdict on one subject, with the evidence it read. `Report.to_dict()` is
the stable JSON form (schemas/report.schema.json) that `stackplan explain REPORT.json` reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """PASSED: healthy. FAILED: broken, with evidence. UNKNOWN: could not tell (read error, missing
    permission, malformed object) — counts as a problem. SKIPPED: not applicable (set by the runner)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"
    SKIPPED = "SKIPPED"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


@dataclass(frozen=True)
class Subject:
    """What a finding is about: a Kubernetes object (kind/namespace/name) or a release."""

    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Subject:
        return cls(d["kind"], d["name"], d.get("namespace"))


@dataclass(frozen=True)
class Explanation:
    """What is wrong, the likely cause, how to fix it; `source` is `model:<id>` or `knowledge-base:<entry>`."""

    summary: str
    cause: str
    fix: str
    commands: tuple[str, ...] = ()
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "cause": self.cause, "fix": self.fix,
                "commands": list(self.commands), "source": self.source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Explanation:
        return cls(d["summary"], d["cause"], d["fix"], tuple(d.get("commands", ())), d.get("source", ""))


@dataclass(frozen=True)
class Finding:
    check_id: str  # HC### (health) or DR### (drift)
    title: str  # the healthy state, e.g. "ClusterPolicy is ready"
    outcome: Outcome
    subject: Subject
    message: str
    severity: Severity = Severity.MEDIUM
    component: str | None = None
    # objects and fields read, events: "ClusterPolicy/cluster-policy .status.state=notReady"
    evidence: tuple[str, ...] = ()
    remediation: str = ""
    doc_url: str = ""
    sensitive: tuple[str, ...] = ()  # strings (names, hosts) to mask when --anonymize
    explanation: Explanation | None = None
    # an UNKNOWN because the kind's API is not served (CRD missing: ReadError.not_installed); typed data for
    # folding into HC009, never serialised (the message and evidence say it for people)
    api_not_served: bool = field(default=False, compare=False)

    @property
    def is_problem(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.UNKNOWN)

    def with_explanation(self, explanation: Explanation) -> Finding:
        return replace(self, explanation=explanation)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkId": self.check_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "severity": self.severity.value,
            "component": self.component,
            "subject": self.subject.to_dict(),
            "message": self.message,
            "evidence": list(self.evidence),
            "remediation": self.remediation,
            "docUrl": self.doc_url,
            "sensitive": list(self.sensitive),
            "explanation": self.explanation.to_dict() if self.explanation else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            check_id=d["checkId"],
            title=d["title"],
            outcome=Outcome(d["outcome"]),
            subject=Subject.from_dict(d["subject"]),
            message=d["message"],
            severity=Severity(d.get("severity", "medium")),
            component=d.get("component"),
            evidence=tuple(d.get("evidence", ())),
            remediation=d.get("remediation", ""),
            doc_url=d.get("docUrl", ""),
            sensitive=tuple(d.get("sensitive", ())),
            explanation=Explanation.from_dict(d["explanation"]) if d.get("explanation") else None,
        )


@dataclass(frozen=True)
class Report:
    """The findings of one run (`kind` is `check` or `drift`) plus run-level errors (`[HC001] reason`)."""

    kind: str
    findings: tuple[Finding, ...]
    errors: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)  # profile, cluster server, stackplan version, time

    def summary(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for f in self.findings:
            counts[f.outcome.value] += 1
        return counts

    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_problem)

    def exit_code(self) -> int:
        """0 clean, 1 any FAILED or UNKNOWN finding (the linters' convention)."""
        return 1 if self.problems() or self.errors else 0

    def with_findings(self, findings: Iterable[Finding]) -> Report:
        return replace(self, findings=tuple(findings))

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "stackplan.dev/v1alpha1",
            "kind": "Report",
            "reportKind": self.kind,
            "meta": dict(self.meta),
            "summary": self.summary(),
            "errors": list(self.errors),
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        return cls(
            kind=d.get("reportKind", "check"),
            findings=tuple(Finding.from_dict(f) for f in d.get("findings", ())),
            errors=tuple(d.get("errors", ())),
            meta=d.get("meta") or {},
        )
