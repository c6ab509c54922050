"""Turn findings into what may leave the process: redacted always, anonymized with --anonymize.

`Sanitizer.prepare` returns copies of the findings whose every sent field went through the Redactor
(and the Anonymizer); `sensitive`, `doc_url` and explanations are dropped. `restore` puts the real
names back into an answer. One Sanitizer per run keeps placeholders stable across batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from planner.explain.redact import Anonymizer, Redactor
from planner.report import Explanation, Finding, Subject

_SUBJECT_CATEGORY = {"Pod": "pod", "Node": "node", "Namespace": "namespace"}
_NOT_OBJECTS = {"Check", "Scope"}  # subjects of run-level findings: a check id or a scope, not a user's name


class Sanitizer:
    def __init__(self, *, anonymize: bool = False) -> None:
        self.redactor = Redactor()
        self.anonymizer = Anonymizer() if anonymize else None

    @property
    def redactions(self) -> int:
        return self.redactor.total

    @property
    def anonymized(self) -> int:
        return len(self.anonymizer.mapping) if self.anonymizer else 0

    def prepare(self, findings: Sequence[Finding]) -> list[Finding]:
        redacted = [self._redact(f) for f in findings]
        if self.anonymizer is None:
            return redacted
        an = self.anonymizer
        an.reserve(t for f in redacted for t in (f.message, *f.evidence, f.remediation, f.subject.name))
        for original, f in zip(findings, redacted, strict=True):
            if f.subject.namespace:
                an.add(f.subject.namespace, "namespace")
            if f.subject.name not in ("*", "") and f.subject.kind not in _NOT_OBJECTS:
                an.add(f.subject.name, _SUBJECT_CATEGORY.get(f.subject.kind, "name"))
            for s in original.sensitive:
                an.add(s, "name")
            for text in (f.message, *f.evidence, f.remediation):
                an.collect(text)
        return [self._anonymize(f) for f in redacted]

    def restore(self, explanation: Explanation) -> Explanation:
        if self.anonymizer is None:
            return explanation
        r = self.anonymizer.restore
        return replace(explanation, summary=r(explanation.summary), cause=r(explanation.cause), fix=r(explanation.fix),
                       commands=tuple(r(c) for c in explanation.commands))

    def _redact(self, f: Finding) -> Finding:
        secret = f.subject.kind == "Secret"

        def red(text: str) -> str:
            return self.redactor(text, secret_context=secret)

        return replace(f, title=red(f.title), message=red(f.message), evidence=tuple(red(e) for e in f.evidence),
                       remediation=red(f.remediation), subject=Subject(f.subject.kind, red(f.subject.name),
                                                                       f.subject.namespace),
                       sensitive=(), doc_url="", explanation=None)

    def _anonymize(self, f: Finding) -> Finding:
        an = self.anonymizer
        assert an is not None
        ns = an(f.subject.namespace) if f.subject.namespace else None
        return replace(f, message=an(f.message), evidence=tuple(an(e) for e in f.evidence),
                       remediation=an(f.remediation), subject=Subject(f.subject.kind, an(f.subject.name), ns))
