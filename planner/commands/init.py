"""`stackplan init`: write a ready Pulumi project for a profile."""

from __future__ import annotations

import re
from pathlib import Path

import click

from planner.errors import InputError

_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")  # what Pulumi accepts as a stack name


@click.command()
@click.option("--profile", "-p", "profile_name", required=True, metavar="PROFILE",
              help="The profile to start from (`stackplan profiles` lists them).")
@click.option("--dir", "directory", default=".", show_default=True, metavar="DIR",
              help="Where to write the project: a new or empty directory, or an earlier `init` output.")
@click.option("--stack-name", default="dev", show_default=True, metavar="NAME",
              help="The Pulumi stack the config file is for (Pulumi.<NAME>.yaml).")
@click.option("--force", is_flag=True, help="Replace files you changed since the last init (and list them).")
@click.option("--set", "sets", multiple=True, metavar="COMP.KEY=VALUE",
              help="Override one value of one component (repeatable); written into stackplan.yaml.")
@click.option("--stackplan-requirement", "requirement_spec", metavar="SPEC",
              help="How requirements.txt installs stackplan, a direct reference such as "
                   "'stackplan @ git+https://github.com/ORG/stackplan@COMMIT' (default: where this stackplan "
                   "was installed from). stackplan is not on PyPI, so a bare name is refused.")
def init(profile_name: str, directory: str, stack_name: str, force: bool, sets: tuple[str, ...],
         requirement_spec: str | None) -> None:
    """Write a Pulumi project (program, config, stackplan.yaml, CI workflow) for a profile.

    All or nothing: every path is checked before anything is written, and a failure part-way restores
    the directory as it was.
    """
    from planner.catalog import load_catalog
    from planner.emit import requirement
    from planner.emit.project import apply_writes, plan_writes
    from planner.model import StackSpec
    from planner.resolve import resolve
    from planner.values import parse_set

    if not _STACK_NAME.match(stack_name):
        raise InputError(f"--stack-name {stack_name!r} is not a valid Pulumi stack name",
                         hint="use letters, digits, '-', '_' and '.'")
    req = requirement.choose(requirement_spec)
    parsed = [parse_set(s) for s in sets]
    catalog = load_catalog()
    plan = resolve(catalog, StackSpec(profile=profile_name), parsed)  # validates the profile and every --set
    target = Path(directory)
    metadata = {"profile": profile_name, "stack": stack_name}
    files = _files(catalog, plan, stack_name, req, parsed, target)
    writes = plan_writes(target, files, metadata, force)
    kept = next((a for a in writes.actions if a.path == "stackplan.yaml" and a.status == "kept"), None)
    if kept is not None:  # the user's stackplan.yaml stays: the README describes that stack
        files = _files(catalog, plan, stack_name, req, parsed, target, current=_current_plan(catalog, target))
        writes = plan_writes(target, files, metadata, force)
    try:
        apply_writes(writes)
    except OSError as e:  # filetx turns write failures into InputError; this catches what it cannot foresee
        raise InputError(f"{e.filename or target}: {e.strerror or e}; nothing was written") from e
    for action in writes.actions:
        if action.status == "replaced":
            click.echo(f"  replaced  {action.path}  (you had changed it; --force overwrote your version)")
        elif action.status in ("created", "updated"):
            click.echo(f"  {action.status:<8}  {action.path}")
        elif action.status == "kept":
            click.echo(f"  kept      {action.path}  (your changes; init has nothing new for it)")
    if not writes.changes:
        click.echo(f"no changes: {target} is up to date for profile {profile_name}")
        return
    where = "" if target.resolve() == Path.cwd().resolve() else f"cd {target} && "
    click.echo(f"wrote {len(writes.changes)} file(s) to {target}. Next: {where}pulumi install && "
               f"pulumi stack select --create {stack_name} && pulumi preview")
    if req.local:
        click.echo(f"note: requirements.txt installs stackplan from a local path ({req.line}); for CI pass "
                   f"--stackplan-requirement '{requirement.EXAMPLE}'", err=True)


def _files(catalog, plan, stack_name: str, req, parsed, target: Path, current=None) -> dict[str, str]:
    from planner.emit.scaffold import project_files, project_name

    return project_files(catalog.profiles[plan.profile], plan, stack_name, req, parsed,
                         project=project_name(target.resolve().name), current=current)


def _current_plan(catalog, target: Path):
    """The plan of the project's own stackplan.yaml, or None when it does not resolve (the README then
    shows the profile's plan; `stackplan validate` tells the user what is wrong)."""
    from planner.errors import StackplanError
    from planner.resolve import resolve
    from planner.stackfile import load_stack

    try:
        return resolve(catalog, load_stack(target / "stackplan.yaml"))
    except (StackplanError, OSError):
        return None
