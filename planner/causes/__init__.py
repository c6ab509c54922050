"""From findings to root causes: rules (planner/causes/<rule>.py, registry.py) link the findings that one
problem explains, using structured data only (check id, subject, component, facts), never message wording.

`link(findings)` is pure: the same findings give the same causes, with stable ids
(`RC004:HC011:Pod/ns/name`: the rule and the root finding).
A finding belongs to at most one cause; a cause needs its root and at least one member; the root of one
cause is never claimed by a later rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.causes.base import Link, Rule
from planner.causes.registry import RULES
from planner.report import Cause, Finding, finding_ids

__all__ = ["RULES", "Link", "Rule", "link"]


def link(findings: Sequence[Finding], rules: Sequence[Rule] = RULES) -> tuple[Cause, ...]:
    """The causes among `findings` (their problems only), in rule order."""
    ids = finding_ids(findings)
    problems = [(i, f) for i, f in zip(ids, findings, strict=True) if f.is_problem]
    claimed: set[str] = set()
    causes: list[Cause] = []
    for rule in rules:
        for proposal in rule.link(problems):
            if proposal.root in claimed:
                continue
            members = tuple(dict.fromkeys(m for m in proposal.members if m not in claimed and m != proposal.root))
            if not members:
                continue
            claimed.update((proposal.root, *members))
            causes.append(Cause(id=f"{rule.id}:{proposal.root}", rule=rule.id, title=proposal.title,
                                root=proposal.root, members=members, confidence=proposal.confidence,
                                source=rule.source))
    return tuple(causes)
