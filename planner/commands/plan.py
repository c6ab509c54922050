"""`stackplan plan`, `stackplan validate` and `stackplan images`."""

from __future__ import annotations

from pathlib import Path

import click

from planner.commands.options import load_plan, output_option, stack_options


@click.command()
@stack_options
@output_option(["table", "json", "yaml", "markdown"])
@click.option("--diff", "diff_file", metavar="BASE.yaml",
              help="Print what changes from the plan of BASE.yaml to this one (releases, versions, values keys).")
@click.option("--diff-ref", metavar="REF",
              help="Like --diff, with the stack file as it is at git REF (e.g. origin/main), read with `git show`.")
def plan(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, output: str,
         diff_file: str | None, diff_ref: str | None) -> None:
    """Resolve a stack into ordered, pinned releases and print the plan.

    With --diff or --diff-ref, print what would change instead (table, json or markdown; exit 0 either way).
    """
    from planner.render.emit import emit_json, emit_yaml
    from planner.render.plan import plan_table

    if diff_file or diff_ref:
        from planner.commands.plan_diff import print_diff

        print_diff(stack_file, profile, sets, strict, output, diff_file, diff_ref)
        return
    if output == "markdown":
        raise click.UsageError("--output markdown is the plan diff's format: add --diff BASE.yaml or --diff-ref REF")
    resolved = load_plan(stack_file, profile, sets, strict)
    if output == "json":
        emit_json(resolved.to_dict())
    elif output == "yaml":
        emit_yaml(resolved.to_dict())
    else:
        plan_table(resolved)


@click.command()
@click.option("-f", "--file", "stack_file", metavar="FILE", default="stackplan.yaml", show_default=True,
              help="The stack file to validate.")
@click.option("--strict", is_flag=True, help="A Kubernetes version above a component's range is an error.")
def validate(stack_file: str, strict: bool) -> None:
    """Check a stack file against the schema and the catalog (exit 0 valid, 2 invalid).

    Also fails when something the plan needs before install must be named by you and is not (e.g. the
    S3 bucket for MLflow's artifacts): `stackplan plan` lists these under "Before you install".
    """
    from planner.catalog import load_catalog
    from planner.prerequisites import require_named
    from planner.resolve import resolve
    from planner.stackfile import load_stack

    if stack_file != "-" and not Path(stack_file).exists():
        load_plan(stack_file, None, (), strict)  # the same "no such file" message as every command
    stack = load_stack(stack_file)
    resolved = resolve(load_catalog(), stack, strict=strict)
    require_named(resolved.prerequisites, stack.origin)
    warnings = [n for n in resolved.notes if n.level == "warning"]
    for n in warnings:
        click.echo(f"warning: {n.release + ': ' if n.release else ''}{n.message}", err=True)
    from planner.render.emit import plural

    extra = f", {plural(len(warnings), 'warning')}" if warnings else ""
    shown = "<stdin>" if stack_file == "-" else stack_file
    click.echo(f"{shown}: valid ({resolved.profile}, {plural(len(resolved.releases), 'release')} in "
               f"{plural(len(resolved.waves), 'wave')}{extra})")


@click.command()
@stack_options
@click.option("--chart-dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Read the images from the real charts in DIR rendered with the plan's values (the truth), "
                   "not from the catalog.")
@output_option(["text", "table", "json", "mapping"], default="text")
def images(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, chart_dir: Path | None,
           output: str) -> None:
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
        rows = _rendered_rows(stack_file, profile, sets, strict, chart_dir)
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
    stuck = [r for r in rows if not r.rewritten]
    for r in stuck:
        where = f"it is set at {'; '.join(r.where)}; " if r.where else ""
        how = r.how or ("set that value in the stack file's component values to the mirrored image "
                        f"({r.upstream} under the mirror prefix)")
        click.echo(f"warning: {r.upstream} ({', '.join(r.releases)}) stays upstream under mirror.images: "
                   f"{where}{how}", err=True)


def _rendered_rows(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
                   chart_dir: Path):
    import asyncio

    from planner.catalog import load_catalog
    from planner.commands.verify import load_plans
    from planner.errors import InputError
    from planner.verify.images import from_renders
    from planner.verify.render import HelmTemplate, find_helm_or_fail
    from planner.verify.run import verify_plan

    if not chart_dir.is_dir():
        raise InputError(f"--chart-dir {chart_dir}: not a directory")
    plan, mirrored = load_plans(stack_file, profile, sets, strict)
    results, _ = asyncio.run(verify_plan(plan, mirrored, load_catalog().blueprints,
                                         HelmTemplate(find_helm_or_fail()), chart_dir, check_values=False))
    failed = [r for r in results if r.status == "not verified" and r.chart != "(kustomize)"]
    if failed:
        raise InputError("; ".join(f"{r.release}: {r.note}" for r in failed),
                         hint="--chart-dir must hold every chart of the plan at its pinned version")
    prefix = mirrored.mirror.images if mirrored and mirrored.mirror else None
    plain = {r.release: r.refs for r in results if r.chart != "(kustomize)"}
    mirrored_refs = {r.release: r.mirrored_refs or () for r in results} if prefix else None
    rows = from_renders(plain, mirrored_refs, prefix)
    from planner.verify.images import add_notes

    add_notes(rows, mirrored or plan, load_catalog().blueprints)
    from planner.verify.images import from_catalog

    kustomize = [r.release for r in results if r.chart == "(kustomize)"]
    if kustomize:  # no chart to render: the catalog's list stands
        rows += [row for row in from_catalog(mirrored or plan, load_catalog().blueprints)
                 if any(rel in kustomize for rel in row.releases)]
    return rows
