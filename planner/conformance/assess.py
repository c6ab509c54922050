"""Plan mode: which requirements of a checklist the planned stack satisfies, by which component, and
what would satisfy the others (a choice of the profile, a catalog component, or something the catalog
lacks). Pure: a Plan and the Catalog in, Assessments out.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.conformance.checklist import MUST, Checklist, Requirement
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


def _suggest(group: tuple[str, ...], s: Satisfier, plan: Plan, catalog: Catalog) -> str:
    """The profile choice that adds one of `group`, else enabling a catalog component."""
    if {r.component for r in plan.releases.values()} & set(group):
        return s.fix  # in the plan but switched off or not configured for it
    profile = catalog.profiles.get(plan.profile)
    real = [c for c in group if c not in s.simulated and c in catalog.blueprints]
    if profile is not None:
        for choice in profile.choices.values():
            for option in choice.options.values():
                if set(option.components) & set(real):
                    return f"choices: {{{choice.name}: {option.name}}} in stackplan.yaml"
    if real:
        return f"components: {{{real[0]}: {{enabled: true}}}} in stackplan.yaml ({' or '.join(real)})"
    return s.fix


def _minor(version: str) -> int:
    return int(version.lstrip("v").split(".")[1])


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
        return Assessment(req, MISSING, fix="; ".join(_suggest(g, s, plan, catalog) for g in missing_groups),
                          how=s.how)
    simulated = all(c in s.simulated for c in found)
    fix = _suggest(s.all_of[0], s, plan, catalog) if simulated else ""
    return Assessment(req, SATISFIED, by=tuple(found), simulated=simulated, fix=fix, how=s.how)


def assess(plan: Plan, catalog: Catalog, checklist: Checklist) -> tuple[Assessment, ...]:
    return tuple(assess_one(r, plan, catalog) for r in checklist.requirements)
