"""Adapter to the prerequisites the blueprints declare (`Plan.prerequisites`, planner/prerequisites.py).

Those declarations are being added in parallel to this module (kind, name, namespace, keys, component, why,
source, fix). Until a plan carries them, `declared(plan)` returns none; nothing else in preflight depends on
how they are stored — only on the fields of `Prerequisite` below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from planner.model import Plan


class Prerequisite(Protocol):
    """What the cluster must already hold before the plan installs: an object of `kind` by name."""

    kind: str  # Secret, ConfigMap, StorageClass, Namespace, ...
    name: str
    namespace: str | None
    keys: Sequence[str]  # for a Secret: the keys it must hold (not verifiable without reading data)
    component: str
    why: str
    source: str  # upstream file@version or doc URL saying it is needed
    fix: str


def declared(plan: Plan) -> tuple[Prerequisite, ...]:
    """The plan's prerequisites, or none when this plan (or stackplan version) does not declare any."""
    return tuple(getattr(plan, "prerequisites", ()) or ())
