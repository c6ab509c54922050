"""Upgrade facts as data: a blueprint's `upgrades:` list, typed, and which facts a version step crosses.

A fact with `since` holds for an upgrade that crosses that version (installed < since <= pinned); one
without `since` holds for every upgrade of the component (how its chart ships CRDs, ordering). The
schema (schemas/blueprint.schema.json, `upgrades`) says which fields each kind needs; `check_facts`
checks what the schema cannot: the components and CRDs a fact names exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.errors import Location, PlanError
from planner.model import Blueprint, Catalog

KINDS = ("crds", "storageVersion", "newCrds", "before", "requires", "value", "chartRename", "note", "conversionWebhook",
         "crdAdoption", "via")


@dataclass(frozen=True)
class UpgradeFact:
    """One upgrade fact of one component, with the upstream source it comes from."""

    component: str
    kind: str
    note: str
    source: str
    index: int  # position in the blueprint's `upgrades` list (for error locations and stable order)
    since: str | None = None
    handling: str | None = None
    crds: tuple[str, ...] = ()
    hook: str | None = None
    hook_applies: tuple[str, ...] = ()
    old: str | None = None  # storageVersion `from` / chartRename `from`
    new: str | None = None  # storageVersion `to`
    removed_in: str | None = None
    migration: str | None = None
    other: str | None = None  # before/requires `component`
    version: str | None = None
    if_present: bool = False  # requires: only when the plan has the other component
    upgrade_first: bool = True  # requires: the other component is upgraded first
    service: str | None = None  # conversionWebhook: the Service serving /convert
    path: str | None = None
    renamed_to: str | None = None
    old_value: Any = None
    new_value: Any = None

    def crosses(self, installed: str, target: str) -> bool:
        """Does upgrading installed -> target cross this fact? Facts without `since` hold for any upgrade."""
        if compare(installed, target) >= 0:
            return False
        if self.since is None:
            return True
        return compare(installed, self.since) < 0 <= compare(target, self.since)

    def holds_at(self, version: str) -> bool:
        """Does the fact hold for this (pinned) version? A constraint such as `requires` holds from `since` on."""
        return self.since is None or compare(version, self.since) >= 0


def fact_from_dict(component: str, index: int, d: Mapping[str, Any]) -> UpgradeFact:
    return UpgradeFact(
        component=component,
        kind=str(d["kind"]),
        note=str(d["note"]),
        source=str(d["source"]),
        index=index,
        since=_opt(d.get("since")),
        handling=_opt(d.get("handling")),
        crds=tuple(d.get("crds", ())),
        hook=_opt(d.get("hook")),
        hook_applies=tuple(d.get("hookApplies", ())),
        old=_opt(d.get("from")),
        new=_opt(d.get("to")),
        removed_in=_opt(d.get("removedIn")),
        migration=_opt(d.get("migration")),
        other=_opt(d.get("component")),
        version=_opt(d.get("version")),
        if_present=bool(d.get("ifPresent", False)),
        upgrade_first=bool(d.get("upgradeFirst", True)),
        service=_opt(d.get("service")),
        path=_opt(d.get("path")),
        renamed_to=_opt(d.get("renamedTo")),
        old_value=d.get("oldValue"),
        new_value=d.get("newValue"),
    )


def _opt(v: Any) -> str | None:
    return None if v is None else str(v)


def facts_of(bp: Blueprint) -> tuple[UpgradeFact, ...]:
    return tuple(fact_from_dict(bp.id, i, d) for i, d in enumerate(bp.upgrades))


def check_facts(catalog: Catalog) -> None:
    """The references the schema cannot check: other components exist, named CRDs are the component's."""
    ids = catalog.blueprints
    for bp in ids.values():
        for fact in facts_of(bp):
            where = Location(bp.file, pointer=f"/upgrades/{fact.index}")
            if fact.other is not None and fact.other not in ids:
                raise PlanError(f"component `{bp.id}`: upgrade fact {fact.index} names component `{fact.other}`, "
                                "which no blueprint defines", hint=f"known components: {', '.join(sorted(ids))}",
                                location=where)
            for crd in (*fact.crds, *fact.hook_applies):
                if crd not in bp.crds:
                    raise PlanError(f"component `{bp.id}`: upgrade fact {fact.index} names CRD `{crd}`, "
                                    "which is not in its crds", hint="add it to `crds` or fix the name",
                                    location=where)
            for label, v in (("since", fact.since), ("removedIn", fact.removed_in), ("version", fact.version)):
                if v is not None and parse(v) is None:
                    raise PlanError(f"component `{bp.id}`: upgrade fact {fact.index} has {label} `{v}`, "
                                    "which is not a version", hint="write it like 0.16.0 or v0.16.0",
                                    location=where)


_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$")


def parse(version: str) -> tuple[int, int, int, tuple[int, str]] | None:
    """v0.16.0 / 0.16 / 26.3.1 / 1.2.3-rc.1 -> a sortable key (a pre-release sorts before its release)."""
    m = _VERSION.match(version.strip())
    if not m:
        return None
    pre = (0, m.group(4)) if m.group(4) else (1, "")
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), pre


def compare(a: str, b: str) -> int:
    """-1, 0 or 1; versions that do not parse compare as strings (so an unknown version is never 'older')."""
    ka, kb = parse(a), parse(b)
    if ka is None or kb is None:
        sa, sb = a.lstrip("v"), b.lstrip("v")
        return (sa > sb) - (sa < sb)
    return (ka > kb) - (ka < kb)
