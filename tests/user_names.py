"""The names only a user can give (issue 11: a bucket, a datastore root), as a test stack names them.

`stackplan apply` and `pulumi up` refuse a plan that still lacks one, as `stackplan validate` does, so a test that
installs a profile names them the way a user would: in the stack file or with `--set`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.model import Plan

# (component, kind) -> the value a test gives that required prerequisite (a new required one fails `names` loudly)
NAMES = {("mlflow", "Bucket"): "stackplan-test-artifacts",
         ("mlflow", "Database"): "mlflow-db.stackplan-test.internal",
         ("metaflow-service", "Bucket"): "s3://stackplan-test-artifacts/metaflow"}


def names(plan: Plan) -> dict[str, tuple[str, str]]:
    """setting -> (`--set` key, value) for every prerequisite of `plan` only a user can name."""
    out = {}
    for p in plan.prerequisites:
        if p.unset:
            assert (p.component, p.kind) in NAMES and p.setting, f"tests/user_names.py: name {p.component}'s {p.kind}"
            component, _values, *path = p.setting.split(".")[1:]
            out[p.setting] = (".".join([component, *path]), NAMES[(p.component, p.kind)])
    return out


def set_flags(plan: Plan) -> tuple[str, ...]:
    """`--set` arguments naming them (for `--profile` runs)."""
    return tuple(a for key, value in names(plan).values() for a in ("--set", f"{key}={value}"))


def components_yaml(plan: Plan) -> str:
    """A `components:` line of a stack file naming them (flow style; empty when nothing is needed)."""
    tree: dict[str, Any] = {}
    for key, value in names(plan).values():
        component, *path = key.split(".")
        node = tree.setdefault(component, {}).setdefault("values", {})
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return f"components: {json.dumps(tree)}\n" if tree else ""


def fill_init_blanks(stack: Path) -> None:
    """Give the names `stackplan init` leaves blank (`bucket: ""  # REQUIRED`), as its comments ask a user to."""
    from planner.catalog import load_catalog
    from planner.resolve import resolve
    from planner.stackfile import load_stack

    text = stack.read_text()
    for setting, (_, value) in names(resolve(load_catalog(), load_stack(stack))).items():
        leaf = setting.rsplit(".", 1)[1]
        assert f'{leaf}: ""' in text, f"{stack}: init left no blank for {setting}"
        text = text.replace(f'{leaf}: ""', f"{leaf}: {value}", 1)
    stack.write_text(text)
