"""The CNCF Kubernetes AI Conformance checklists as data, one per Kubernetes minor version.

The requirement ids, levels and descriptions are upstream's, verbatim, read from the checklist templates
`docs/AIConformance-<version>.yaml` of cncf/k8s-ai-conformance (the commit is in `checklists.yaml`, which
`python -m planner.conformance.sync` regenerates). A submitted PRODUCT.yaml must keep `id`, `description`
and `level` unchanged (cncf/k8s-ai-conformance:instructions.md), so nothing here rewrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from planner.errors import InputError

DATA = Path(__file__).with_name("checklists.yaml")
MUST = "MUST"
SHOULD = "SHOULD"


@dataclass(frozen=True)
class Requirement:
    """One checklist item: upstream's id, its category (PRODUCT.yaml `spec.<category>`), level and text."""

    id: str
    category: str
    level: str  # MUST | SHOULD
    description: str


@dataclass(frozen=True)
class Checklist:
    version: str  # "1.36"
    source: str  # cncf/k8s-ai-conformance:docs/AIConformance-1.36.yaml@<commit>
    metadata: tuple[tuple[str, str], ...]  # the template's keys and placeholder values, in order
    requirements: tuple[Requirement, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.category for r in self.requirements))

    def must(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.level == MUST)


@cache
def _raw() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(DATA.read_text(encoding="utf-8"), Loader=loader)


def versions() -> tuple[str, ...]:
    """Checklist versions, oldest first ("1.33", …)."""
    return tuple(sorted(_raw()["versions"], key=lambda v: int(v.split(".")[1])))


def newest() -> str:
    return versions()[-1]


def minor_of(kubernetes_version: str) -> str:
    """`v1.35.2` / `1.35` -> `1.35`."""
    parts = kubernetes_version.lstrip("v").split(".")
    return ".".join(parts[:2])


@cache
def checklist(version: str) -> Checklist:
    """The checklist for `version` ("1.36" or "v1.36"); InputError naming the versions that exist."""
    v = minor_of(version)
    raw = _raw()["versions"].get(v)
    if raw is None:
        raise InputError(f"--checklist {version}: no AI Conformance checklist for Kubernetes {v}",
                         hint=f"choose one of {', '.join(versions())} (cncf/k8s-ai-conformance docs/)")
    reqs = tuple(Requirement(r["id"], cat, r["level"], r["description"])
                 for cat, items in raw["categories"].items() for r in items)
    return Checklist(v, raw["file"], tuple((k, str(val)) for k, val in raw["metadata"].items()), reqs)


def for_plan(kubernetes_version: str) -> tuple[Checklist, str | None]:
    """The checklist for the plan's Kubernetes minor, or the newest one with a note when there is none."""
    v = minor_of(kubernetes_version)
    if v in versions():
        return checklist(v), None
    return checklist(newest()), (f"no checklist for Kubernetes {v} upstream; using the newest, {newest()}")
