"""`stackplan images`: every image the plan pulls, from the catalog or (with a chart directory) the rendered charts.

Rows pair the upstream image with the one the plan pulls (the mirrored name under `mirror.images`). From the
rendered charts the pairs come from the same place in the two renders (without and with the mirror's values);
an image still upstream under the mirror is a row with `rewritten: false`, and the command says how to set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.mirror import mirror_image
from planner.model import Blueprint, Plan
from planner.resolve import enabled_by_values, model_engines
from planner.verify.manifest import ImageRef


@dataclass
class ImageRow:
    image: str  # what the plan pulls
    upstream: str
    releases: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    rewritten: bool = True  # False: the mirror applies but the manifests still name the upstream image
    how: str = ""  # for an image no value rewrites: how to get it from the mirror (the blueprint's mirrorNotes)

    def to_dict(self) -> dict[str, object]:
        return {"image": self.image, "upstream": self.upstream, "releases": self.releases, "where": self.where,
                "rewritten": self.rewritten, "how": self.how}


def _add(rows: dict[tuple[str, str], ImageRow], pulled: str, upstream: str, release: str, where: str | None,
         rewritten: bool = True) -> None:
    row = rows.setdefault((pulled, upstream), ImageRow(pulled, upstream, rewritten=rewritten))
    if release not in row.releases:
        row.releases.append(release)
    if where and where not in row.where:
        row.where.append(where)


def from_catalog(plan: Plan, blueprints: Mapping[str, Blueprint]) -> list[ImageRow]:
    """The catalog's images of every release (those its values switch on), mirrored when the plan mirrors."""
    rows: dict[tuple[str, str], ImageRow] = {}
    prefix = plan.mirror.images if plan.mirror else None
    for r in plan.ordered():
        _, upstream = enabled_by_values(blueprints[r.component], r.values, model_engines(plan.models))
        notes = blueprints[r.component].mirror_notes
        for image in upstream:
            # an image no value rewrites is still listed under its mirrored name (where to copy it); the note
            # says how to make the workloads pull it from there
            stuck = bool(prefix) and image in notes
            pulled = mirror_image(image, prefix) if prefix else image
            _add(rows, pulled, image, r.id, None, rewritten=not stuck)
            if stuck:
                rows[(pulled, image)].how = notes[image]
    return [rows[k] for k in sorted(rows)]


def add_notes(rows: list[ImageRow], plan: Plan, blueprints: Mapping[str, Blueprint]) -> None:
    """Attach the blueprints' mirrorNotes to rendered rows whose image stays upstream."""
    for row in rows:
        if row.rewritten:
            continue
        for rid in row.releases:
            how = blueprints[plan.releases[rid].component].mirror_notes.get(row.upstream)
            if how:
                row.how = how
                if plan.mirror and plan.mirror.images:
                    row.image = mirror_image(row.upstream, plan.mirror.images)  # where to copy it


def from_renders(plain: Mapping[str, tuple[ImageRef, ...]], mirrored: Mapping[str, tuple[ImageRef, ...]] | None,
                 prefix: str | None) -> list[ImageRow]:
    """Rows from rendered manifests: release id -> image refs of the plain render (and of the mirrored one)."""
    rows: dict[tuple[str, str], ImageRow] = {}
    for rid, refs in plain.items():
        if mirrored is None or not prefix:
            for ref in refs:
                _add(rows, ref.image, ref.image, rid, ref.where)
            continue
        by_where = {m.where: m.image for m in mirrored.get(rid, ())}
        for ref in refs:
            pulled = by_where.get(ref.where, ref.image)
            _add(rows, pulled, ref.image, rid, ref.where, rewritten=pulled.startswith(prefix.rstrip("/") + "/"))
        known = {ref.where for ref in refs}
        for m in mirrored.get(rid, ()):
            if m.where not in known:  # only the mirrored values render it
                _add(rows, m.image, m.image, rid, m.where, rewritten=m.image.startswith(prefix.rstrip("/") + "/"))
    return [rows[k] for k in sorted(rows)]
