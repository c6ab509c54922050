"""`stackplan init`: write a ready Pulumi project for a profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.errors import InputError

if TYPE_CHECKING:
    from planner.emit.requirement import Requirement

_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")  # what Pulumi accepts as a stack name


@click.command()
@click.option("--profile", "-p", "profile_name", required=True, metavar="PROFILE",
              help="The profile to start from (`stackplan profiles` lists them).")
@click.option("--dir", "directory", default=".", show_default=True, metavar="DIR",
              help="Where to write the project: a new or empty directory, or an earlier `init` output "
                   "(never inside a stackplan source checkout, e.g. --dir ../my-platform).")
@click.option("--stack-name", default="dev", show_default=True, metavar="NAME",
              help="The Pulumi stack the config file is for (Pulumi.<NAME>.yaml).")
@click.option("--force", is_flag=True, help="Replace files you changed since the last init (and list them).")
@click.option("--set", "sets", multiple=True, metavar="COMP.KEY=VALUE",
              help="Override one value of one component (repeatable); written into stackplan.yaml.")
@click.option("--stackplan-requirement", "requirement_spec", metavar="SPEC", envvar="STACKPLAN_REQUIREMENT",
              help="How requirements.txt installs stackplan, a direct reference such as "
                   "'stackplan @ git+https://github.com/ORG/stackplan@COMMIT' (default: derived from where this "
                   "stackplan came from: its git remote and commit, its VCS URL, or its published version). "
                   "Env: STACKPLAN_REQUIREMENT.")
@click.option("--vendor", is_flag=True,
              help="Build a wheel of this stackplan into the project's vendor/ and install it from there "
                   "(offline, on any machine; commit vendor/ with the project).")
def init(profile_name: str, directory: str, stack_name: str, force: bool, sets: tuple[str, ...],
         requirement_spec: str | None, vendor: bool) -> None:
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
    if vendor and requirement_spec is not None and click.get_current_context().get_parameter_source(
            "requirement_spec") is not click.core.ParameterSource.ENVIRONMENT:
        raise click.UsageError("--vendor and --stackplan-requirement are two answers to one question: pass one")
    parsed = [parse_set(s) for s in sets]
    catalog = load_catalog()
    plan = resolve(catalog, StackSpec(profile=profile_name), parsed)  # validates the profile and every --set
    target = Path(directory)
    _refuse_source_checkout(target)
    req, extra = _requirement(requirement_spec, vendor)
    metadata = {"profile": profile_name, "stack": stack_name}
    files = {**_files(catalog, plan, stack_name, req, parsed, target), **extra}
    writes = plan_writes(target, files, metadata, force)
    kept = next((a for a in writes.actions if a.path == "stackplan.yaml" and a.status == "kept"), None)
    if kept is not None:  # the user's stackplan.yaml stays: the README describes that stack
        files = {**_files(catalog, plan, stack_name, req, parsed, target, current=_current_plan(catalog, target)),
                 **extra}
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
    for note in req.notes:
        click.echo(f"note: {note}", err=True)
    shown = _current_plan(catalog, target) or plan
    for p in shown.prerequisites:
        if p.unset:
            click.echo(f"note: before install, name the {p.kind} for {p.component} in stackplan.yaml ({p.setting}); "
                       "`stackplan validate` checks it", err=True)
    if shown.prerequisites:
        click.echo(f"note: {len(shown.prerequisites)} thing(s) must exist before install (Secrets, buckets, "
                   "StorageClasses): see \"Before you install\" in README.md, or `stackplan plan -f stackplan.yaml`",
                   err=True)
    if req.local:
        click.echo(f"note: requirements.txt installs stackplan from a local path ({req.line}); for CI pass "
                   f"--vendor or --stackplan-requirement '{requirement.EXAMPLE}'", err=True)
    if req.vendored:
        click.echo(f"note: commit {requirement.VENDOR_DIR}/ with the project: requirements.txt installs "
                   f"stackplan from {req.line}", err=True)


def _requirement(spec: str | None, vendor: bool) -> tuple[Requirement, dict[str, bytes]]:
    """The stackplan requirement and any extra files (the vendored wheel); InputError when there is no
    portable default."""
    from planner.emit import requirement

    if vendor:
        from planner.emit.vendor import build_wheel

        name, wheel = build_wheel()
        return requirement.vendored(name), {f"{requirement.VENDOR_DIR}/{name}": wheel}
    if spec is not None:
        return requirement.parse(spec), {}
    from planner.emit.origin import detect

    found = detect()
    if isinstance(found, requirement.NoPortableSource):
        raise requirement.refusal(found)
    return found, {}


def _refuse_source_checkout(target: Path) -> None:
    """A new project never goes inside a stackplan source checkout (the README's first command runs in one);
    its examples/ folder is the one place that holds generated projects on purpose."""
    from planner.emit.origin import is_stackplan_source

    resolved = target.resolve()
    for parent in (resolved, *resolved.parents):
        if is_stackplan_source(parent):
            if resolved.relative_to(parent).parts[:1] == ("examples",):
                return
            shown = "the current directory" if resolved == Path.cwd().resolve() else str(target)
            raise InputError(f"{shown} is inside the stackplan source checkout {parent}; a project there would "
                             "be committed to stackplan, not to your own repository",
                             hint="pass --dir with a directory outside it, e.g. --dir ../my-platform")


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
