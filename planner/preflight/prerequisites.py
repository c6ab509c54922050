"""Adapter to the prerequisites the blueprints declare (`Plan.prerequisites`, planner/prerequisites.py).

Each declaration has kind, name, namespace, keys, component, why, source and fix (planner/prerequisites.py);
`declared(plan)` keeps those a Kubernetes API can answer by name. Nothing else in preflight depends on how
they are stored — only on the fields of `Prerequisite` below.
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


CLUSTER_KINDS = ("Secret", "StorageClass")  # what a Kubernetes API can show; a Bucket or Database lives outside


def declared(plan: Plan) -> tuple[Prerequisite, ...]:
    """The plan's prerequisites that can be looked up in the cluster by name.

    Left out: kinds outside the cluster (a `Bucket`: `stackplan validate` makes the user name it, no API
    here can see it) and prerequisites without a name — one the user has not named yet (`unset`, a validate
    error) or a StorageClass meaning the cluster's default (PF002 checks that one).
    """
    return tuple(p for p in (getattr(plan, "prerequisites", ()) or ())
                 if p.kind in CLUSTER_KINDS and p.name and not getattr(p, "unset", False))
