"""`stackplan upgrade`: plan a safe move of the installed stack to the plan's pins.

Exit 0 safe, 1 hazards that need a decision, 2 bad input, 3 cluster unreachable.
"""

from __future__ import annotations

import sys

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
def upgrade(stack_file: str | None, profile: str | None, sets: tuple[str, ...], kubeconfig: str | None,
            context: str | None, output: str, timeout: float) -> None:
    """Plan the upgrade of the installed stack to the plan's pinned versions (nothing is changed).

    \b
    Reads Helm's release records (Secrets of type helm.sh/release.v1 in the plan's namespaces) and the
    CRDs (status.storedVersions), compares them with the plan and the blueprints' upgrade facts, and
    prints per release from -> to, the hazards with their upstream sources, what to back up, and the
    steps in order: CRDs Helm would not upgrade first, then each release after what it needs, each
    followed by its storage-version migrations. See docs/upgrade.md.
    Exit 0 safe, 1 hazards that need a decision, 2 bad input, 3 cluster unreachable.
    """
    from planner.catalog import load_catalog
    from planner.cluster import ClusterReader
    from planner.upgrade.facts import facts_of
    from planner.upgrade.plan import plan_upgrade
    from planner.upgrade.reader import read_installed
    from planner.upgrade.render import render

    plan = load_plan(stack_file, profile, sets)
    catalog = load_catalog()
    facts = {r.component: facts_of(catalog.blueprints[r.component])
             for r in plan.releases.values() if r.component in catalog.blueprints}
    with ClusterReader(kubeconfig, context, timeout) as reader:
        version = reader.ping()
        installed = read_installed(reader, plan, kubernetes_version=str(version.get("gitVersion") or "") or None)
    up = plan_upgrade(plan, installed, facts)
    click.echo(render(up, output), nl=False)
    sys.exit(up.exit_code())
