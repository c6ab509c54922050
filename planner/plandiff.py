"""Pure: what changes between two plans (`stackplan plan --diff BASE.yaml` / `--diff-ref REF`).

Releases added or removed; per release the chart, source, version and namespace before and after, and the
values keys that changed. Values are shown only when planner/secrets.py says they are not credentials
(the same masking as drift's value diff, planner/drift/values_diff.py); models, choices and the profile
are compared too. Renders as JSON, a plain table and GitHub markdown (the pull-request job summary).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.drift.values_diff import ValueChange, diff_values
from planner.model import JSON, Plan, Release

_FIELDS = ("chart", "source", "version", "namespace")


@dataclass(frozen=True)
class ReleaseChange:
    id: str
    change: str  # added | removed | changed
    before: Mapping[str, str] = field(default_factory=dict)  # chart, source, version, namespace
    after: Mapping[str, str] = field(default_factory=dict)
    values: tuple[ValueChange, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The release fields that differ (empty for added/removed)."""
        if self.change != "changed":
            return ()
        return tuple(f for f in _FIELDS if self.before.get(f) != self.after.get(f))

    def to_dict(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "change": self.change,
            "before": dict(self.before) or None,
            "after": dict(self.after) or None,
            "fields": list(self.fields),
            "values": [{"path": v.path, "change": _word(v.change), "before": v.planned or None,
                        "after": v.live or None} for v in self.values],
        }


@dataclass(frozen=True)
class PlanDiff:
    base: str  # what the base is, for headings: a file or `REF:path`
    head: str
    releases: tuple[ReleaseChange, ...]
    stack: tuple[str, ...] = ()  # profile, choice and model changes, as sentences
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.releases or self.stack)

    def to_dict(self) -> dict[str, JSON]:
        return {"apiVersion": "stackplan.dev/v1alpha1", "kind": "PlanDiff", "base": self.base, "head": self.head,
                "changed": self.changed, "releases": [r.to_dict() for r in self.releases],
                "stack": list(self.stack), "notes": list(self.notes)}


def _word(change: str) -> str:
    """values_diff speaks of planned/live; here the base is `planned` and the head `live`."""
    return {"added": "added", "removed": "removed"}.get(change, "changed")


def _facts(r: Release) -> dict[str, str]:
    return {"chart": r.source.chart or r.id, "source": r.source.location, "version": r.version,
            "namespace": r.namespace}


def _models(plan: Plan | None) -> dict[str, dict[str, JSON]]:
    return {m.name: m.to_dict() for m in plan.models} if plan else {}


def diff_plans(base: Plan | None, head: Plan, base_label: str, head_label: str,
               notes: tuple[str, ...] = ()) -> PlanDiff:
    """Compare two plans; `base` None means there was no stack file there (everything is added)."""
    before = dict(base.releases) if base else {}
    changes: list[ReleaseChange] = []
    for rid in sorted(set(before) | set(head.releases)):
        old, new = before.get(rid), head.releases.get(rid)
        if old is None and new is not None:
            changes.append(ReleaseChange(rid, "added", after=_facts(new)))
        elif new is None and old is not None:
            changes.append(ReleaseChange(rid, "removed", before=_facts(old)))
        elif old is not None and new is not None:
            values = () if old.values_digest == new.values_digest else tuple(diff_values(old.values, new.values))
            change = ReleaseChange(rid, "changed", _facts(old), _facts(new), values)
            if change.fields or change.values:
                changes.append(change)
    stack: list[str] = []
    if base is not None:
        if base.profile != head.profile:
            stack.append(f"profile {base.profile} -> {head.profile}")
        for name in sorted(set(base.choices) | set(head.choices)):
            if base.choices.get(name) != head.choices.get(name):
                stack.append(f"choice {name}: {base.choices.get(name)} -> {head.choices.get(name)}")
    old_models, new_models = _models(base), _models(head)
    for name in sorted(set(old_models) | set(new_models)):
        if name not in old_models:
            stack.append(f"model {name} added ({new_models[name]['source']})")
        elif name not in new_models:
            stack.append(f"model {name} removed")
        elif old_models[name] != new_models[name]:
            keys = sorted(k for k in new_models[name] if new_models[name][k] != old_models[name].get(k))
            stack.append(f"model {name} changed: {', '.join(keys)}")
    return PlanDiff(base_label, head_label, tuple(changes), tuple(stack), notes)


def _summary(d: PlanDiff) -> str:
    counts = {c: sum(1 for r in d.releases if r.change == c) for c in ("added", "removed", "changed")}
    if not d.changed:
        return "no changes to the plan"
    parts = [f"{n} release{'s' if n != 1 else ''} {c}" for c, n in counts.items() if n]
    if d.stack:
        parts.append(f"{len(d.stack)} stack change{'s' if len(d.stack) != 1 else ''}")
    return ", ".join(parts)


def _what(r: ReleaseChange) -> list[str]:
    """One line per difference of a release, values keys included (values shown only when not secret)."""
    if r.change == "added":
        return [f"added: {r.after['chart']} {r.after['version']} in {r.after['namespace']}"]
    if r.change == "removed":
        return [f"removed: {r.before['chart']} {r.before['version']} from {r.before['namespace']}"]
    lines = [f"{f}: {r.before.get(f)} -> {r.after.get(f)}" for f in r.fields]
    for v in r.values:
        if v.change == "added":
            lines.append(f"values {v.path}: added ({v.live})")
        elif v.change == "removed":
            lines.append(f"values {v.path}: removed (was {v.planned})")
        else:
            lines.append(f"values {v.path}: {v.planned} -> {v.live}")
    return lines


def render_text(d: PlanDiff) -> str:
    out = [f"plan diff: {d.base} -> {d.head}: {_summary(d)}"]
    for r in d.releases:
        for i, line in enumerate(_what(r)):
            out.append(f"  {r.id if i == 0 else '':<24} {line}")
    out += [f"  stack: {s}" for s in d.stack]
    out += [f"note: {n}" for n in d.notes]
    return "\n".join(out) + "\n"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(d: PlanDiff) -> str:
    out = ["### stackplan: plan diff", "", f"`{_md(d.base)}` → `{_md(d.head)}`: **{_summary(d)}**", ""]
    if d.releases:
        out += ["| release | change |", "|---|---|"]
        for r in d.releases:
            out.append(f"| `{r.id}` | {'<br>'.join(_md(x) for x in _what(r))} |")
        out.append("")
    out += [f"- {_md(s)}" for s in d.stack]
    out += [f"> {_md(n)}" for n in d.notes]
    return "\n".join(out).rstrip() + "\n"
