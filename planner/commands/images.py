"""`stackplan images`: every image the plan pulls, from the catalog or (with --chart-dir) the rendered charts.

Its own module: with --chart-dir it renders the charts with helm (planner.verify), which the planning commands
in planner/commands/plan.py never import (the `planning-light` contract in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

import click

from planner.commands.options import load_plan, output_option, stack_options


@click.command()
@stack_options
@click.option("--chart-dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Read the images from the real charts in DIR rendered with the plan's values (the truth), "
                   "not from the catalog.")
@click.option("--kustomize-dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="With --chart-dir: where the kustomize releases' manifests are (<release id>/ folders, or "
                   "<host>/<owner>/<repo>@<ref>/ copies of the upstream repositories). Default: --chart-dir.")
@output_option(["text", "table", "json", "mapping"], default="text")
def images(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, chart_dir: Path | None,
           kustomize_dir: Path | None, output: str) -> None:
    """Every container image the plan pulls, for mirroring (one per line by default).

    With a mirror in the stack file the images are the mirrored names; `-o mapping` prints
    `UPSTREAM MIRRORED` pairs to copy with crane or skopeo. With --chart-dir the list is read from the
    rendered charts (pod specs, operator CRs, ConfigMaps, env vars, args), and an image the mirror's
    values do not rewrite is named on stderr with where it is set.
    """
    from planner.catalog import load_catalog
    from planner.render.emit import emit_json, emit_table
    from planner.verify.images import from_catalog

    catalog = load_catalog()
    if chart_dir is None:
        resolved = load_plan(stack_file, profile, sets, strict)
        rows = from_catalog(resolved, catalog.blueprints)
    else:
        rows = _rendered_rows(stack_file, profile, sets, strict, chart_dir, kustomize_dir)
    if output == "json":
        emit_json([r.to_dict() for r in rows])
    elif output == "table":
        emit_table(["image", "upstream", "releases"],
                   [[r.image, "" if r.upstream == r.image else r.upstream, ", ".join(r.releases)] for r in rows])
    elif output == "mapping":
        for r in rows:
            click.echo(f"{r.upstream} {r.image}")
    else:
        for image in dict.fromkeys(r.image for r in rows):
            click.echo(image)
    _fetch_warnings(stack_file, profile, sets, strict)
    stuck = [r for r in rows if not r.rewritten]
    for r in stuck:
        where = f"it is set at {'; '.join(r.where)}; " if r.where else ""
        how = r.how or ("set that value in the stack file's component values to the mirrored image "
                        f"({r.upstream} under the mirror prefix)")
        click.echo(f"warning: {r.upstream} ({', '.join(r.releases)}) stays upstream under mirror.images: "
                   f"{where}{how}", err=True)


def _rendered_rows(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
                   chart_dir: Path, kustomize_dir: Path | None = None):
    import asyncio

    from planner.catalog import load_catalog
    from planner.commands.verify import kustomizer, load_plans
    from planner.errors import InputError
    from planner.verify.images import from_renders
    from planner.verify.render import HelmTemplate, find_helm_or_fail
    from planner.verify.run import verify_plan

    if not chart_dir.is_dir():
        raise InputError(f"--chart-dir {chart_dir}: not a directory")
    plan, mirrored = load_plans(stack_file, profile, sets, strict)
    results, _ = asyncio.run(verify_plan(plan, mirrored, load_catalog().blueprints,
                                         HelmTemplate(find_helm_or_fail()), chart_dir, check_values=False,
                                         kustomizer=kustomizer(), kustomize_dir=kustomize_dir))
    unrendered = {r.release for r in results if r.status == "not verified"}
    failed = [r for r in results if r.release in unrendered and r.chart != "(kustomize)"]
    if failed:
        raise InputError("; ".join(f"{r.release}: {r.note}" for r in failed),
                         hint="--chart-dir must hold every chart of the plan at its pinned version")
    prefix = mirrored.mirror.images if mirrored and mirrored.mirror else None
    plain = {r.release: r.refs for r in results if r.release not in unrendered}
    mirrored_refs = {r.release: r.mirrored_refs or () for r in results} if prefix else None
    rows = from_renders(plain, mirrored_refs, prefix)
    from planner.verify.images import add_notes

    add_notes(rows, mirrored or plan, load_catalog().blueprints)
    from planner.verify.images import from_catalog

    kustomize = [r.release for r in results if r.chart == "(kustomize)" and r.release in unrendered]
    for r in results:
        if r.release in kustomize:
            click.echo(f"warning: {r.release}: images from the catalog, not rendered: {r.note}", err=True)
    if kustomize:  # manifests not found locally: the catalog's list stands
        rows += [row for row in from_catalog(mirrored or plan, load_catalog().blueprints)
                 if any(rel in kustomize for rel in row.releases)]
    return rows


def _fetch_warnings(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool) -> None:
    """Under a mirror: the objects that fetch from the internet at run time, which no image list covers."""
    from planner.catalog import load_catalog
    from planner.mirror import fetch_warning, runtime_fetches

    plan = load_plan(stack_file, profile, sets, strict)
    if not plan.mirror:
        return
    blueprints = load_catalog().blueprints
    for r in plan.ordered():
        for fetch in runtime_fetches(blueprints[r.component], r.values):
            click.echo(f"warning: {fetch_warning(r.id, fetch)}", err=True)
