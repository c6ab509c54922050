"""`stackplan profiles` and `stackplan components`: what the catalog offers."""

from __future__ import annotations

import click

from planner.commands.options import output_option


@click.command()
@output_option(["table", "json"])
def profiles(output: str) -> None:
    """List the use-case profiles and their choices."""
    from planner.catalog import load_catalog
    from planner.render.emit import emit_json, emit_table

    catalog = load_catalog()
    rows = []
    data = []
    for prof in sorted(catalog.profiles.values(), key=lambda p: p.name):
        choices = {c.name: {"default": c.default, "options": sorted(c.options)} for c in prof.choices.values()}
        data.append({"name": prof.name, "description": prof.description,
                     "components": list(prof.components), "choices": choices})
        rows.append([prof.name, prof.description,
                     "\n".join(f"{c}: {'|'.join(v['options'])} (default {v['default']})" for c, v in choices.items())])
    if output == "json":
        emit_json(data)
    else:
        emit_table(["profile", "description", "choices"], rows)


@click.command()
@output_option(["table", "json"])
def components(output: str) -> None:
    """List every component of the catalog with its pinned version and source."""
    from planner.catalog import load_catalog
    from planner.render.emit import emit_json, emit_table

    catalog = load_catalog()
    bps = sorted(catalog.blueprints.values(), key=lambda b: (b.layer, b.id))
    if output == "json":
        emit_json([{"id": b.id, "layer": b.layer, "description": b.description, "version": b.version,
                    "source": b.source.to_dict(), "namespace": b.namespace, "needs": list(b.needs),
                    "conflicts": list(b.conflicts),
                    "kubernetes": {"min": b.kube_min, "max": b.kube_max}} for b in bps])
        return
    emit_table(["component", "layer", "version", "source", "namespace", "needs"],
               [[b.id, b.layer, b.version, f"{b.source.kind}: {b.source.location}"
                 + (f" ({b.source.chart})" if b.source.chart and b.source.kind == "helm" else ""),
                 b.namespace, ", ".join(b.needs)] for b in bps])
