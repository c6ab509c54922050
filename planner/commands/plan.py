"""`stackplan plan`, `stackplan validate` and `stackplan images`."""

from __future__ import annotations

import os

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

    if stack_file != "-" and not os.path.exists(stack_file):
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
