"""`stackplan plan`, `stackplan validate` and `stackplan images`."""

from __future__ import annotations

import click

from planner.commands.options import load_plan, output_option, stack_options


@click.command()
@stack_options
@output_option(["table", "json", "yaml"])
def plan(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, output: str) -> None:
    """Resolve a stack into ordered, pinned releases and print the plan."""
    from planner.render.emit import emit_json, emit_yaml
    from planner.render.plan import plan_table

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
    """Check a stack file against the schema and the catalog (exit 0 valid, 2 invalid)."""
    resolved = load_plan(stack_file, None, (), strict)
    warnings = [n for n in resolved.notes if n.level == "warning"]
    for n in warnings:
        click.echo(f"warning: {n.release + ': ' if n.release else ''}{n.message}", err=True)
    click.echo(f"{stack_file}: valid ({resolved.profile}, {len(resolved.releases)} releases in "
               f"{len(resolved.waves)} waves{', ' + str(len(warnings)) + ' warnings' if warnings else ''})")


@click.command()
@stack_options
@output_option(["table", "json", "text"], default="text")
def images(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool, output: str) -> None:
    """Every container image the plan pulls, for mirroring (one per line by default)."""
    from planner.render.emit import emit_json, emit_table

    resolved = load_plan(stack_file, profile, sets, strict)
    pairs = sorted({(img, r.id) for r in resolved.ordered() for img in r.images})
    if output == "json":
        by_image: dict[str, list[str]] = {}
        for img, rid in pairs:
            by_image.setdefault(img, []).append(rid)
        emit_json([{"image": i, "releases": rs} for i, rs in sorted(by_image.items())])
    elif output == "table":
        emit_table(["image", "release"], [list(p) for p in pairs])
    else:
        for img in sorted({i for i, _ in pairs}):
            click.echo(img)
