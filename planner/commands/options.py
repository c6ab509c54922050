"""Options shared by several commands, and the one way to turn them into a Plan."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from planner.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_STACK_FILE = "stackplan.yaml"


def stack_options(func: F) -> F:
    """`-f FILE`, `--profile P`, `--set comp.key=value`, `--strict`."""
    func = click.option("--strict", is_flag=True,
                        help="A Kubernetes version above a component's documented range is an error.")(func)
    func = click.option("--set", "sets", multiple=True, metavar="COMP.KEY=VALUE",
                        help="Override one value of one component (repeatable).")(func)
    func = click.option("--profile", "-p", metavar="PROFILE",
                        help="Plan a profile with the default cluster instead of reading a stack file.")(func)
    func = click.option("-f", "--file", "stack_file", metavar="FILE",
                        help=f"The stack file (default: ./{DEFAULT_STACK_FILE}; - reads standard input).")(func)
    return func


def cluster_options(func: F) -> F:
    """`--kubeconfig K`, `--context C` (kubectl's conventions; KUBECONFIG is honoured)."""
    func = click.option("--context", metavar="NAME", help="The kubeconfig context to use.")(func)
    func = click.option("--kubeconfig", metavar="PATH", envvar="KUBECONFIG",
                        help="Path to the kubeconfig (default: $KUBECONFIG, then ~/.kube/config).")(func)
    return func


class Duration(click.ParamType):
    """A positive duration: `90s`, `10m`, `1h30m`, or a bare number of seconds -> float seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from planner.engine.duration import seconds

        if isinstance(value, int | float):
            number = float(value)
        else:
            try:
                number = seconds(str(value))
            except ValueError:
                self.fail(f"{value!r} is not a duration (use e.g. 90s, 10m or 1h30m)", param, ctx)
        if number <= 0:
            self.fail(f"{value!r}: the timeout must be more than zero", param, ctx)
        return number


def timeout_option(default: str, what: str) -> Callable[[F], F]:
    return click.option("--timeout", type=Duration(), default=default, show_default=True, metavar="DURATION",
                        help=f"{what} (e.g. 30s, 2m).")


def output_option(choices: Sequence[str], default: str = "table") -> Callable[[F], F]:
    return click.option("--output", "-o", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format.")


def load_plan(stack_file: str | None, profile: str | None, sets: Sequence[str] = (), strict: bool = False,
              chart_dir: Path | None = None, installing: bool = False):
    """Resolve the plan from `-f`/`--profile`/`--set` (raises StackplanError on bad input); `chart_dir`
    (apply --chart-dir) makes every release come from that local directory. `installing`: the plan is about to
    be installed, so a name only the user can give (MLflow's bucket) must be set, as `stackplan validate` says."""
    from planner.catalog import load_catalog
    from planner.model import StackSpec
    from planner.resolve import resolve
    from planner.stackfile import load_stack
    from planner.values import parse_set

    if stack_file and profile:
        raise InputError("--profile and -f are mutually exclusive",
                         hint="set the profile inside the stack file, or drop -f to plan a profile's defaults")
    parsed_sets = [parse_set(s) for s in sets]
    catalog = load_catalog()
    if profile:
        stack = StackSpec(profile=profile)
    else:
        path = stack_file or DEFAULT_STACK_FILE
        if not stack_file and not os.path.exists(path):  # `-f -` reads standard input
            raise InputError(f"no {DEFAULT_STACK_FILE} here and no --profile given",
                             hint="pass --profile training-team|llm-inference|full-mlops, or -f PATH, "
                                  "or create one with `stackplan init --profile <profile>`")
        stack = load_stack(path)
    if chart_dir is not None and not chart_dir.is_dir():
        raise InputError(f"--chart-dir {chart_dir}: not a directory")
    plan = resolve(catalog, stack, parsed_sets, strict=strict,
                   local_dir=str(chart_dir.resolve()) if chart_dir is not None else None)
    if installing:
        from planner.prerequisites import require_named

        require_named(plan.prerequisites, stack.origin)
    return plan
