"""`stackplan verify-charts`: render every release with the real helm and compare it with the catalog.

Exit 0 the catalog holds, 1 differences (or a release that could not be rendered), 2 bad input.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from planner.commands.options import output_option, stack_options


def load_plans(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool):
    """The plan as the user wrote it, and (when it mirrors images) the same plan without the mirror.

    Names only the user can give (MLflow's bucket and database host) must be set, as for an install: the charts
    render with them (MLflow's requires its database host), and a render without them verifies nothing real."""
    import dataclasses

    from planner.catalog import load_catalog
    from planner.commands.options import load_plan
    from planner.model import StackSpec
    from planner.resolve import resolve
    from planner.stackfile import load_stack
    from planner.values import parse_set

    plan = load_plan(stack_file, profile, sets, strict, installing=True)
    if not (plan.mirror and plan.mirror.images):
        return plan, None
    stack = StackSpec(profile=profile) if profile else load_stack(stack_file or "stackplan.yaml")
    plain = resolve(load_catalog(), dataclasses.replace(stack, mirror=None), [parse_set(s) for s in sets],
                    strict=strict)
    return plain, plan


def kustomizer():
    """The kustomize renderer (`kubectl kustomize`), or None when this machine has neither kubectl nor kustomize."""
    from planner.engine.kustomize_build import KustomizeBuild, kustomize_command

    command = kustomize_command()
    return KustomizeBuild(command) if command else None


@click.command("verify-charts")
@stack_options
@click.option("--chart-dir", required=True, metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="A directory of real charts: <chart>/ folders (with their charts/ dependencies) or "
                   "<chart>-<version>.tgz archives, as `apply --chart-dir` reads them.")
@click.option("--kustomize-dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Where the kustomize releases' manifests are: <release id>/ folders (as mirror.kustomize), or "
                   "copies of the upstream repositories at their refs as <host>/<owner>/<repo>@<ref>/, into which "
                   "remote bases are mapped too. Default: --chart-dir.")
@click.option("--no-values-check", "skip_values", is_flag=True,
              help="Skip the check that every value stackplan sets is read by a template (one render per value).")
@output_option(["table", "json"])
def verify_charts(stack_file: str | None, profile: str | None, sets: tuple[str, ...], strict: bool,
                  chart_dir: Path, kustomize_dir: Path | None, skip_values: bool, output: str) -> None:
    """Check the catalog against real charts: render every release with helm and the plan's values.

    \b
    Compares workloads, CRDs (served/storage versions), webhooks, objects the checks read, every image the
    manifests reference (pod specs, operator CRs, ConfigMaps, env, args) with `stackplan images`, that every
    value stackplan sets is read by a template, that a mirrored plan pulls nothing upstream, and validates the
    plan's custom resources against the rendered CRDs' schemas. Kustomize releases are rendered with the real
    kustomize (`kubectl kustomize`), remote bases mapped to local copies; nothing touches a cluster or the network.
    Exit 0 the catalog holds, 1 differences, 2 bad input.
    """
    from planner.catalog import load_catalog
    from planner.errors import InputError
    from planner.render.emit import emit_json, emit_table, plural
    from planner.verify.objects import CHECK_OBJECTS
    from planner.verify.render import HelmTemplate, find_helm_or_fail
    from planner.verify.run import verify_plan

    if not chart_dir.is_dir():
        raise InputError(f"--chart-dir {chart_dir}: not a directory",
                         hint="point it at a folder holding the plan's charts (e.g. from `helm pull --untar`)")
    if kustomize_dir is not None and not kustomize_dir.is_dir():
        raise InputError(f"--kustomize-dir {kustomize_dir}: not a directory",
                         hint="point it at the folder holding <release id>/ or <host>/<owner>/<repo>@<ref>/ copies")
    plan, mirrored = load_plans(stack_file, profile, sets, strict)
    renderer = HelmTemplate(find_helm_or_fail())
    results, schema = asyncio.run(verify_plan(plan, mirrored, load_catalog().blueprints, renderer, chart_dir,
                                              check_values=not skip_values, check_objects=CHECK_OBJECTS,
                                              kustomizer=kustomizer(), kustomize_dir=kustomize_dir))
    unvalidated = [d for d in schema if d.topic == "unvalidated"]
    schema = [d for d in schema if d.topic != "unvalidated"]
    differences = [d for r in results for d in r.differences] + schema
    unrendered = [r for r in results if r.status == "not verified"]
    if output == "json":
        emit_json({"profile": plan.profile, "chartDir": str(chart_dir), "kustomizeDir": str(kustomize_dir or chart_dir),
                   "releases": [r.to_dict() for r in results], "schema": [d.to_dict() for d in schema],
                   "unvalidated": [d.to_dict() for d in unvalidated]})
    else:
        emit_table(["release", "chart", "version", "result", "note"],
                   [[r.release, r.chart, r.version, r.status,
                     r.note or (plural(len(r.differences), "difference") if r.differences else "")]
                    for r in results], title=f"verify-charts: {plan.profile} against {chart_dir}")
        for d in unvalidated:
            click.echo(f"note: {d.subject} ({d.release}) not validated: {d.message}", err=True)
        if differences:
            emit_table(["release", "topic", "subject", "difference", "fix"],
                       [[d.release, d.topic, d.subject, d.message, d.fix] for d in differences],
                       title="differences")
    sys.exit(1 if differences or unrendered else 0)
