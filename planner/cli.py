"""The `stackplan` command line: a thin click group whose commands load lazily.

Each command lives in its own module under `planner.commands`; importing only the one that runs
keeps planning commands free of pulumi, the Kubernetes client, anthropic and helm.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from planner import __version__
from planner.errors import StackplanError

# name -> "module:attribute". One line per command; `stackplan --help` lists them in this order.
COMMANDS: dict[str, str] = {
    "profiles": "planner.commands.catalog:profiles",
    "components": "planner.commands.catalog:components",
    "plan": "planner.commands.plan:plan",
    "validate": "planner.commands.plan:validate",
    "images": "planner.commands.images:images",
    "verify-charts": "planner.commands.verify:verify_charts",
    "init": "planner.commands.init:init",
    "apply": "planner.commands.apply:apply",
    "check": "planner.commands.check:check",
    "preflight": "planner.commands.preflight:preflight",
    "explain": "planner.commands.explain:explain",
    "drift": "planner.commands.drift:drift",
    "upgrade": "planner.commands.upgrade:upgrade",
    "rbac": "planner.commands.rbac:rbac",
    "status": "planner.commands.status:status",
    "mcp": "planner.commands.mcp:mcp",
    "ask": "planner.commands.ask:ask",
    "conformance": "planner.commands.conformance:conformance",
    "sandbox": "planner.commands.sandbox:sandbox",
    "cluster": "planner.commands.cluster:cluster",
}

EXIT_INTERNAL = 70


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:  # the command is not part of this build
                return None
            raise
        command = getattr(module, attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="stackplan")
def cli() -> None:
    """Plan, install, health-check and drift-check AI/ML platform stacks on Kubernetes.

    \b
    stackplan init --profile llm-inference   # a Pulumi project for the profile
    pulumi up                                # install it
    stackplan check --explain                # is it healthy? why not?
    stackplan drift --output github          # in CI: does the cluster still match?
    """


_heap_frozen = False


def _freeze_import_heap() -> None:
    """Move the objects alive now (the interpreter's, click's, this module's: made by imports, kept to the end)
    out of the cyclic garbage collector's sight, once per process. A planning run otherwise walks all of them in
    each full collection and at exit: 3 ms of its ~40 (benchmarks/plan_speed.py). Nothing is lost: they would
    never be collected anyway."""
    global _heap_frozen
    if not _heap_frozen:
        gc.freeze()
        _heap_frozen = True


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and turns every StackplanError into a message and an exit code."""
    _freeze_import_heap()
    try:
        # with standalone_mode=False click returns ctx.exit(n)'s code instead of exiting
        code = cli.main(args=argv, prog_name="stackplan", auto_envvar_prefix="STACKPLAN", standalone_mode=False)
    except StackplanError as e:
        click.echo(f"error: {e.render()}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:
        if os.environ.get("STACKPLAN_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(e).__name__}: {e}\n"
            "  This is a bug in stackplan. Run again with STACKPLAN_DEBUG=1 for the traceback and report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
