"""The base of every cause rule: identity as class attributes, one `link(findings)` method.

A rule looks only at structured finding data — check id, outcome, subject (kind/namespace/name), component
and `facts` (node, container, clusterQueue, guards, ...) — never at message wording. It proposes links:
a root finding and the findings the root explains. The linker (planner/causes/__init__.py) applies the rules
in registry order and gives every finding to at most one cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from planner.report import Confidence, Finding, Outcome


@dataclass(frozen=True)
class Link:
    """A proposed cause: `root` explains `members` (finding ids); `title` names the cause in one line."""

    root: str
    members: tuple[str, ...]
    title: str
    confidence: Confidence


Indexed = Sequence[tuple[str, Finding]]  # (finding id, finding), problems only


class Rule:
    """Subclass, set the class attributes, implement `link`. Register it in registry.py."""

    id: ClassVar[str]  # RC###, stable, never reused
    title: ClassVar[str]  # what the rule recognises: "A GPU node's driver fails"
    source: ClassVar[str]  # the upstream behaviour it relies on (file@version or doc URL)
    confidence: ClassVar[Confidence] = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        raise NotImplementedError


def failed(f: Finding, *check_ids: str) -> bool:
    """A FAILED finding of one of the given checks."""
    return f.outcome is Outcome.FAILED and f.check_id in check_ids
