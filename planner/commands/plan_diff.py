"""`stackplan plan --diff BASE.yaml` and `--diff-ref REF`: load both stacks, compare, print."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import click

from planner.commands.options import DEFAULT_STACK_FILE, load_plan
from planner.errors import InputError


def _at_ref(ref: str, stack_file: str) -> tuple[str | None, str]:
    """(the stack file's text at `ref`, or None when it does not exist there; a label), via `git show`."""
    import shutil

    path = Path(stack_file)
    git = shutil.which("git")
    if git is None:
        raise InputError(f"--diff-ref {ref}: git is not installed", hint="install git, or use --diff BASE.yaml")
    cwd = path.parent if str(path.parent) else Path(".")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([git, "-C", str(cwd), *args], capture_output=True, text=True, timeout=60, check=False)

    if run("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise InputError(f"--diff-ref {ref}: {cwd.resolve()} is not in a git repository",
                         hint="run it in the repository that holds the stack file, or use --diff BASE.yaml")
    if run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise InputError(f"--diff-ref {ref}: no such commit, branch or tag",
                         hint="fetch it first (git fetch origin main), or name another ref")
    label = f"{ref}:{path.name}"
    shown = run("show", f"{ref}:./{path.name}")
    if shown.returncode != 0:
        return None, label  # not in that commit: everything is new
    return shown.stdout, label


def print_diff(stack_file: str | None, profile: str | None, sets: Sequence[str], strict: bool, output: str,
               diff_file: str | None, diff_ref: str | None) -> None:
    from planner.catalog import load_catalog
    from planner.load import parse_yaml
    from planner.plandiff import diff_plans, render_markdown, render_text
    from planner.render.emit import emit_json
    from planner.resolve import resolve
    from planner.stackfile import load_stack, stack_from_data

    if diff_file and diff_ref:
        raise click.UsageError("--diff and --diff-ref both name the base: pass one")
    if output == "yaml":
        raise click.UsageError("the plan diff prints as table, json or markdown")
    if profile and diff_ref:
        raise click.UsageError("--diff-ref reads the stack file at a git ref: use -f, not --profile")
    head = load_plan(stack_file, profile, sets, strict)
    head_label = stack_file or (f"--profile {profile}" if profile else DEFAULT_STACK_FILE)
    notes: list[str] = []
    if diff_ref:
        text, base_label = _at_ref(diff_ref, stack_file or DEFAULT_STACK_FILE)
        if text is None:
            notes.append(f"{base_label} does not exist: every release is new")
            base_stack = None
        else:
            data, origin = parse_yaml(text, base_label)
            base_stack = stack_from_data(data, origin)
    else:
        base_label = str(diff_file)
        if not Path(base_label).is_file() and base_label != "-":
            raise InputError(f"--diff {base_label}: no such file", hint="name the base stack file")
        base_stack = load_stack(base_label)
    base = resolve(load_catalog(), base_stack, strict=strict) if base_stack is not None else None
    result = diff_plans(base, head, base_label, head_label, tuple(notes))
    if output == "json":
        emit_json(result.to_dict())
    elif output == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result), nl=False)
