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
    # structured facts the cause rules link on (planner/causes): node, container, clusterQueue, release, ...
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.UNKNOWN)

    def with_explanation(self, explanation: Explanation) -> Finding:
        return replace(self, explanation=explanation)

    def fact(self, name: str) -> str | None:
        """One structured fact (`node`, `container`, `clusterQueue`, ...), None when the check did not set it."""
        return dict(self.facts).get(name)

    @property
    def key(self) -> str:
        """`HC011:Pod/gpu-operator/nvidia-operator-validator-x`: the base of the finding's stable id."""
        return f"{self.check_id}:{self.subject}"

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
            "facts": dict(self.facts),
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
            facts=tuple(sorted((str(k), str(v)) for k, v in (d.get("facts") or {}).items())),
        )


def finding_ids(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Stable ids, one per finding in order: `check:subject`, with `#2`, `#3` for repeats of the same key.
    The same cluster state gives the same ids, so causes can name their members across runs."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        n = seen[f.key] = seen.get(f.key, 0) + 1
        out.append(f.key if n == 1 else f"{f.key}#{n}")
    return tuple(out)


class Confidence(StrEnum):
    """How sure a cause rule is that its root explains its members (docs/checks.md, "Causes")."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Cause:
    """One root cause: the finding that explains the others (`members`, by finding id), the rule that linked
    them (RC###, planner/causes) and how sure it is. `explanation` is the one explanation of the whole cause."""

    id: str  # `RC004:HC011:Pod/gpu-operator/v-1`: the rule and the root finding's id; stable across runs
    rule: str
    title: str
    root: str  # finding id
    members: tuple[str, ...]  # finding ids it explains (the root excluded)
    confidence: Confidence
    source: str = ""  # upstream behaviour the rule relies on (file@version or doc URL)
    explanation: Explanation | None = None

    def with_explanation(self, explanation: Explanation) -> Cause:
        return replace(self, explanation=explanation)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "title": self.title, "root": self.root,
                "members": list(self.members), "confidence": self.confidence.value, "source": self.source,
                "explanation": self.explanation.to_dict() if self.explanation else None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cause:
        return cls(id=d["id"], rule=d["rule"], title=d["title"], root=d["root"], members=tuple(d["members"]),
                   confidence=Confidence(d.get("confidence", "medium")), source=d.get("source", ""),
                   explanation=Explanation.from_dict(d["explanation"]) if d.get("explanation") else None)


@dataclass(frozen=True)
class Report:
    """The findings of one run (`kind` is `check` or `drift`) plus run-level errors (`[HC001] reason`)."""

    kind: str
    findings: tuple[Finding, ...]
    errors: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)  # profile, cluster server, stackplan version, time
    causes: tuple[Cause, ...] = ()  # root causes linking the findings (planner/causes), check only

    def ids(self) -> tuple[str, ...]:
        """Each finding's stable id, in order (finding_ids)."""
        return finding_ids(self.findings)

    def by_id(self) -> dict[str, Finding]:
        return dict(zip(self.ids(), self.findings, strict=True))

    def explained_by(self) -> dict[str, Cause]:
        """Finding id -> the cause that explains it (members only; a cause's root is not in here)."""
        return {m: c for c in self.causes for m in c.members}

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
            "findings": [{"id": i, **f.to_dict()} for i, f in zip(self.ids(), self.findings, strict=True)],
            "causes": [c.to_dict() for c in self.causes],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        return cls(
            kind=d.get("reportKind", "check"),
            findings=tuple(Finding.from_dict(f) for f in d.get("findings", ())),
            errors=tuple(d.get("errors", ())),
            meta=d.get("meta") or {},
            causes=tuple(Cause.from_dict(c) for c in d.get("causes") or ()),
        )
