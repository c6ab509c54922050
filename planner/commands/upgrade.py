"""`stackplan upgrade`: plan a safe move of the installed stack to the plan's pins.

Exit 0 safe, 1 hazards that need a decision, 2 bad input, 3 cluster unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.commands.options import cluster_options, load_plan, output_option, timeout_option
from planner.upgrade.render import CHOICES


@click.command()
@click.option("-f", "--file", "stack_file", metavar="FILE", help="The stack file (default: ./stackplan.yaml).")
@click.option("--profile", "-p", metavar="PROFILE", help="Upgrade to a profile's default plan instead.")
@click.option("--set", "sets", multiple=True, metavar="COMP.KEY=VALUE", help="Override one value (repeatable).")
@cluster_options
@output_option(CHOICES)
@timeout_option("10s", "Timeout of each API request")
@click.option("--apply", "do_apply", is_flag=True,
              help="Carry the plan out, step by step (only when it is safe); stops at the first failure.")
@click.option("--release-timeout", default="10m", show_default=True, metavar="DURATION",
              help="With --apply: how long each release may take to become ready (helm --wait).")
@click.option("--chart-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="With --apply: take every release from this local directory (as `stackplan apply --chart-dir`).")
def upgrade(stack_file: str | None, profile: str | None, sets: tuple[str, ...], kubeconfig: str | None,
            context: str | None, output: str, timeout: float, do_apply: bool, release_timeout: str,
            chart_dir: Path | None) -> None:
    """Plan the upgrade of the installed stack to the plan's pinned versions (nothing is changed).

    \b
    Reads Helm's release records (Secrets of type helm.sh/release.v1 in the plan's namespaces) and the
    CRDs (status.storedVersions), compares them with the plan and the blueprints' upgrade facts, and
    prints per release from -> to, the hazards with their upstream sources, what to back up, and the
    steps in order: CRDs Helm would not upgrade first, then each release after what it needs, each
    followed by its storage-version migrations. See docs/upgrade.md.
    With --apply it then runs them in that printed order, one at a time: CRD applies (server-side), each
    release through the engine of `stackplan apply` followed by its migrations; a failure stops it and prints
    what was done and the command that continues.
    Exit 0 safe (or done), 1 hazards that need a decision (or a failed step), 2 bad input, 3 unreachable.
    """
    from planner.catalog import load_catalog
    from planner.cluster import ClusterReader
    from planner.upgrade.facts import facts_of
    from planner.upgrade.plan import plan_upgrade
    from planner.upgrade.reader import read_installed
    from planner.upgrade.render import render

    plan = load_plan(stack_file, profile, sets, chart_dir=chart_dir)  # --chart-dir: part of the plan
    if do_apply:
        from planner.engine.duration import normalise
        from planner.errors import InputError

        try:
            release_timeout = normalise(release_timeout)
        except ValueError as e:
            raise InputError(f"--release-timeout {release_timeout!r}: not a duration",
                             hint="use e.g. 90s, 10m or 1h30m") from e
    catalog = load_catalog()
    facts = {r.component: facts_of(catalog.blueprints[r.component])
             for r in plan.releases.values() if r.component in catalog.blueprints}
    with ClusterReader(kubeconfig, context, timeout) as reader:
        version = reader.ping()
        installed = read_installed(reader, plan, kubernetes_version=str(version.get("gitVersion") or "") or None)
    ranges = {r.component: (bp.kube_min, bp.kube_max, bp.file) for r in plan.releases.values()
              if (bp := catalog.blueprints.get(r.component)) is not None}
    up = plan_upgrade(plan, installed, facts, ranges)
    click.echo(render(up, output), nl=False)
    if not do_apply:
        sys.exit(up.exit_code())
    from planner.engine.charts import resolve_targets
    from planner.upgrade.execute import run_upgrade

    targets = resolve_targets(plan)
    command = resume_command(stack_file, profile, sets, kubeconfig, context, release_timeout, chart_dir)
    sys.exit(run_upgrade(plan, up, targets, kubeconfig=kubeconfig, context=context, timeout=release_timeout,
                         echo=lambda line: click.echo(line, err=True), command=command))


def resume_command(stack_file: str | None, profile: str | None, sets: tuple[str, ...], kubeconfig: str | None,
                   context: str | None, release_timeout: str, chart_dir: Path | None) -> str:
    """The command line that continues an interrupted `upgrade --apply`: the same one (`-o` left out)."""
    import shlex

    argv = ["stackplan", "upgrade"]
    argv += ["-f", stack_file] if stack_file else ["--profile", profile] if profile else []
    for s in sets:
        argv += ["--set", s]
    argv += ["--kubeconfig", kubeconfig] if kubeconfig else []
    argv += ["--context", context] if context else []
    argv += ["--apply", "--release-timeout", release_timeout]
    argv += ["--chart-dir", str(chart_dir)] if chart_dir else []
    return shlex.join(argv)
