"""The offline knowledge base: failure signatures as data (planner/explain/knowledge/*.yaml).

An entry matches a finding by regular expressions on its check id and on its message + evidence,
optionally narrowed to components, subject kinds and outcomes. The first entry that matches, in
order of priority then specificity then file order, explains the finding. Its texts are templates:
`${namespace}`, `${namespace_flag}` (`-n <ns>`, empty for cluster-scoped subjects), `${name}`, `${kind}`,
`${kind_lower}`, `${component}`, `${check_id}`, `${message}`, `${remediation}`, the named groups of the
`text` regex (`(?P<node>…)` gives `${node}`) and the `captures` (variable → regex searched over the
evidence; its first group, or the whole match).
Every entry carries an example finding that it must explain (tests/explain/test_knowledge_base.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from planner.errors import InputError, Location
from planner.report import Explanation, Finding, Outcome

KNOWLEDGE_DIR = Path(__file__).with_name("knowledge")
SCHEMA_FILE = KNOWLEDGE_DIR / "_schema.json"
SOURCE_PREFIX = "knowledge-base:"


@dataclass(frozen=True)
class Signature:
    """When an entry applies: regexes (case-insensitive) plus optional component/kind/outcome sets."""

    text: re.Pattern[str]
    checks: re.Pattern[str] | None = None
    components: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    outcomes: frozenset[Outcome] = frozenset()
    captures: tuple[tuple[str, re.Pattern[str]], ...] = ()  # template variables read from the evidence

    @property
    def specificity(self) -> int:
        return sum(bool(x) for x in (self.checks, self.components, self.kinds, self.outcomes))

    def match(self, finding: Finding) -> re.Match[str] | None:
        if self.checks and not self.checks.search(finding.check_id):
            return None
        if self.components and (finding.component or "") not in self.components:
            return None
        if self.kinds and finding.subject.kind not in self.kinds:
            return None
        if self.outcomes and finding.outcome not in self.outcomes:
            return None
        return self.text.search(evidence_text(finding))


def evidence_text(finding: Finding) -> str:
    """What signatures are matched against: the message, then one line per piece of evidence."""
    return "\n".join((finding.message, *finding.evidence))


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    signature: Signature
    summary: str
    cause: str
    fix: str
    commands: tuple[str, ...]
    sources: tuple[str, ...]
    example: Mapping[str, Any]
    priority: int = 0
    file: str = ""

    def explain(self, finding: Finding, match: re.Match[str] | None) -> Explanation:
        values = _Defaults(
            namespace=finding.subject.namespace or "<namespace>", name=finding.subject.name,
            namespace_flag=f"-n {finding.subject.namespace}" if finding.subject.namespace else "",
            kind=finding.subject.kind, kind_lower=finding.subject.kind.lower(),
            component=finding.component or "<component>", check_id=finding.check_id,
            message=finding.message, remediation=finding.remediation or "", title=finding.title,
        )
        if match:
            values.update({k: v for k, v in match.groupdict().items() if v})
        text = evidence_text(finding)
        for var, pattern in self.signature.captures:
            found = pattern.search(text)
            if found and var not in values:
                groups = [g for g in found.groups() if g]
                values[var] = groups[0] if groups else found.group(0)

        def fill(text: str) -> str:
            return Template(text).safe_substitute(values).strip()

        fix = fill(self.fix)
        if self.sources:
            fix += f" (see {self.sources[0]})"
        return Explanation(summary=fill(self.summary), cause=fill(self.cause), fix=fix,
                           commands=tuple(re.sub(r" {2,}", " ", fill(c)) for c in self.commands),
                           source=SOURCE_PREFIX + self.id)


class KnowledgeBase:
    """Entries in match order. `lookup` always answers: the generic entries match any problem."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        indexed = list(enumerate(entries))
        seen: dict[str, str] = {}
        for _, e in indexed:
            if e.id in seen:
                raise InputError(f"knowledge base entry id `{e.id}` is defined twice ({seen[e.id]} and {e.file})",
                                 hint="entry ids are stable and unique; rename one of them")
            seen[e.id] = e.file
        indexed.sort(key=lambda ie: (-ie[1].priority, -ie[1].signature.specificity, ie[0]))
        self.entries: tuple[Entry, ...] = tuple(e for _, e in indexed)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry:
        for e in self.entries:
            if e.id == entry_id:
                return e
        raise KeyError(entry_id)

    def lookup(self, finding: Finding) -> tuple[Entry, re.Match[str] | None]:
        for e in self.entries:
            m = e.signature.match(finding)
            if m is not None:
                return e, m
        raise LookupError(f"no knowledge base entry matches {finding.check_id} (the generic entries are missing)")

    def explain(self, finding: Finding) -> Explanation:
        entry, m = self.lookup(finding)
        return entry.explain(finding, m)


def _compile(pattern: str, where: Location) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error as e:
        raise InputError(f"invalid regular expression {pattern!r}: {e}", location=where) from e


def _entry(raw: Mapping[str, Any], file: Path, index: int) -> Entry:
    where = Location(str(file), pointer=f"/entries/{index}")
    m = raw["match"]
    sig = Signature(
        text=_compile(m["text"], where),
        checks=_compile(m["checks"], where) if m.get("checks") else None,
        components=frozenset(m.get("components", ())),
        kinds=frozenset(m.get("kinds", ())),
        outcomes=frozenset(Outcome(o) for o in m.get("outcomes", ())),
        captures=tuple((var, _compile(rx, where)) for var, rx in m.get("captures", {}).items()),
    )
    return Entry(id=raw["id"], title=raw["title"], signature=sig, summary=raw["summary"], cause=raw["cause"],
                 fix=raw["fix"], commands=tuple(raw.get("commands", ())), sources=tuple(raw.get("sources", ())),
                 example=raw["example"], priority=int(raw.get("priority", 0)), file=str(file))


def load_file(path: Path) -> list[Entry]:
    import jsonschema
    from ruamel.yaml import YAMLError

    from planner.yamlio import load

    try:
        data = load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as e:
        raise InputError(f"cannot read knowledge base file: {e}", location=Location(str(path))) from e
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        pointer = "/" + "/".join(str(p) for p in err.absolute_path)
        raise InputError(f"invalid knowledge base entry: {err.message}", location=Location(str(path), pointer=pointer),
                         hint=f"see {SCHEMA_FILE.name} next to the knowledge files for the expected shape")
    return [_entry(raw, path, i) for i, raw in enumerate(data["entries"])]


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def load_knowledge_base(dirs: Sequence[Path] = ()) -> KnowledgeBase:
    """The shipped knowledge files, plus `*.yaml` from extra directories (they may add entries)."""
    entries: list[Entry] = []
    for d in (*dirs, KNOWLEDGE_DIR):
        for path in sorted(Path(d).glob("*.yaml")):
            entries.extend(load_file(path))
    return KnowledgeBase(entries)


@cache
def default_knowledge_base() -> KnowledgeBase:
    return load_knowledge_base()
