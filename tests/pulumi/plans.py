"""Hand-made Plans for emitter tests (no pulumi import: the pure tests use them too)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.desired.objects import model_values
from planner.install import install_for
from planner.model import Model, Plan, Release, Source
from planner.values import digest, merge


def release(rid: str, *, kind: str = "helm", namespace: str | None = None, needs: tuple[str, ...] = (),
            values: dict[str, Any] | None = None, crds: tuple[str, ...] = (), chart: str | None = None,
            location: str | None = None, version: str = "1.0.0", labels: dict[str, str] | None = None,
            images: tuple[str, ...] = ()) -> Release:
    values = values or {}
    if kind == "helm":
        src = Source("helm", location or f"https://charts.example.invalid/{rid}", chart=chart or rid)
    elif kind == "oci":
        src = Source("oci", location or f"oci://registry.example.invalid/charts/{chart or rid}", chart=chart or rid)
    elif kind == "kustomize":
        src = Source("kustomize", location or f"github.com/example/{rid}/manifests", ref=version)
    else:
        src = Source("local", location or f"/mirror/{rid}", chart=chart)
    return Release(id=rid, component=rid, layer="platform", source=src, version=version,
                   namespace=namespace or rid, needs=needs, values=values, values_digest=digest(values),
                   namespace_labels=labels or {}, crds=crds, images=images,
                   install=install_for(rid, src, version))  # as resolve decides it (local charts looked up)


def _with_models(r: Release, models: tuple[Model, ...]) -> Release:
    """The release's values with what the models add (vllm-stack modelSpec), as resolve merges them."""
    extra = model_values(r.component, r.images, models)
    if not extra:
        return r
    values = merge(r.values, extra)
    return replace(r, values=values, values_digest=digest(values))


def plan_of(*releases: Release, models: tuple[Model, ...] = (), cluster: dict[str, Any] | None = None,
            profile: str = "hand-made") -> Plan:
    by_id = {r.id: _with_models(r, models) for r in releases}
    level: dict[str, int] = {}

    def depth(rid: str) -> int:
        if rid not in level:
            level[rid] = 1 + max((depth(n) for n in by_id[rid].needs), default=-1)
        return level[rid]

    for rid in by_id:
        depth(rid)
    waves = tuple(tuple(sorted(r for r, lv in level.items() if lv == i)) for i in range(max(level.values()) + 1))
    gpu = {"nodes": 2, "perNode": 4, "type": "NVIDIA-L4", "driversPreinstalled": False, "toolkitPreinstalled": False}
    return Plan(profile=profile, kubernetes_version="1.35", cluster=cluster or {"gpu": gpu}, choices={},
                waves=waves, releases=by_id, models=models)
