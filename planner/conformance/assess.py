"""Plan mode: which requirements of a checklist the planned stack satisfies, by which component, and
what would satisfy the others (a choice of the profile, a catalog component, or something the catalog
lacks). Pure: a Plan and the Catalog in, Assessments out.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.conformance.checklist import MUST, Checklist, Requirement, minor_of
from planner.conformance.satisfy import SATISFIERS, Satisfier, present
from planner.model import Catalog, Plan

SATISFIED = "satisfied"
MISSING = "missing"
PLATFORM = "platform"  # the cluster or its provider decides; verify with --cluster


@dataclass(frozen=True)
class Assessment:
    requirement: Requirement
    status: str  # satisfied | missing | platform
    by: tuple[str, ...] = ()  # the plan's components that satisfy it
    simulated: bool = False  # satisfied only by a simulation (fake-gpu-operator): no real evidence
    fix: str = ""  # what would satisfy it (empty when satisfied)
    how: str = ""

    @property
    def blocking(self) -> bool:
        """A MUST the stack does not satisfy: `stackplan conformance` exits 1."""
        return self.requirement.level == MUST and self.status == MISSING

    def to_dict(self) -> dict[str, object]:
        r = self.requirement
        return {"id": r.id, "category": r.category, "level": r.level, "status": self.status, "by": list(self.by),
                "simulated": self.simulated, "fix": self.fix, "how": self.how}


def _suggest(groups: list[tuple[str, ...]], s: Satisfier, plan: Plan, catalog: Catalog) -> str:
    """One profile choice that adds a component of every missing group, else the catalog components to
    enable (one per group; a component another one `needs` is brought along, so it is not named)."""
    planned = {r.component for r in plan.releases.values()}
    if any(planned & set(g) for g in groups):
        return s.fix  # in the plan but switched off or not configured for it
    real = [[c for c in g if c not in s.simulated and c in catalog.blueprints] for g in groups]
    if not all(real):
        return s.fix
    profile = catalog.profiles.get(plan.profile)
    if profile is not None:
        for choice in profile.choices.values():
            for option in choice.options.values():
                if all(set(option.components) & set(g) for g in real):
                    return f"choices: {{{choice.name}: {option.name}}} in stackplan.yaml"
    picks = [g[0] for g in real]
    brought = {n for c in picks for n in catalog.blueprints[c].needs}
    named = [c for c in picks if c not in brought] or picks
    return "components: {" + ", ".join(f"{c}: {{enabled: true}}" for c in named) + "} in stackplan.yaml" + (
        f" (brings {', '.join(sorted(set(picks) - set(named)))})" if set(picks) - set(named) else "") + (
        f" (or {' / '.join(real[0][1:])})" if len(real) == 1 and len(real[0]) > 1 else "")


def _minor(version: str) -> int:
    return int(minor_of(version).split(".")[1])


def assess_one(req: Requirement, plan: Plan, catalog: Catalog) -> Assessment:
    s = SATISFIERS[req.id]
    if s.scope == "platform" and s.min_kubernetes and _minor(plan.kubernetes_version) >= _minor(s.min_kubernetes):
        return Assessment(req, SATISFIED, by=(f"kubernetes {plan.kubernetes_version}",), how=s.how)
    if s.scope == "platform":
        return Assessment(req, PLATFORM, fix=s.fix, how=s.how)
    found = present(s, plan)
    missing_groups = [g for g in s.all_of if not set(g) & set(found)]
    if s.scope == "gap":
        return Assessment(req, MISSING, by=tuple(found), fix=s.fix, how=s.how)
    if missing_groups:
        return Assessment(req, MISSING, fix=_suggest(missing_groups, s, plan, catalog), how=s.how)
    simulated = all(c in s.simulated for c in found)
    fix = _suggest([s.all_of[0]], s, plan, catalog) if simulated else ""
    return Assessment(req, SATISFIED, by=tuple(found), simulated=simulated, fix=fix, how=s.how)


def assess(plan: Plan, catalog: Catalog, checklist: Checklist) -> tuple[Assessment, ...]:
    return tuple(assess_one(r, plan, catalog) for r in checklist.requirements)
