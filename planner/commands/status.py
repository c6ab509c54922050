"""`stackplan status gpus|jobs|inference|pipelines`: what the ops tools see, as a table or JSON."""

from __future__ import annotations

import click

from planner.commands.options import cluster_options, output_option, timeout_option

VIEWS = ("gpus", "jobs", "inference", "pipelines")


@click.command()
@click.argument("view", type=click.Choice(VIEWS), metavar="gpus|jobs|inference|pipelines")
@cluster_options
@output_option(["table", "json"])
@click.option("-n", "--namespace", metavar="NS", help="Only this namespace (jobs, inference, pipelines).")
@click.option("--problems", is_flag=True,
              help="Only what needs attention: failed/pending jobs, endpoints not ready, failed or stuck runs.")
@click.option("--node", metavar="NODE", help="gpus: only this node.")
@click.option("--no-utilisation", is_flag=True, help="gpus: do not ask Prometheus for DCGM utilisation.")
@click.option("--name", metavar="NAME", help="pipelines: one Workflow (or Kubeflow Pipelines run id).")
@click.option("--stuck-after", type=click.IntRange(min=1), default=30, show_default=True, metavar="MINUTES",
              help="pipelines: a running run with no progress for this long is stuck.")
@timeout_option("10s", "Timeout of each API request")
def status(view: str, kubeconfig: str | None, context: str | None, output: str, namespace: str | None,
           problems: bool, node: str | None, no_utilisation: bool, name: str | None, stuck_after: int,
           timeout: float) -> None:
    """Show GPU allocation, batch jobs, inference endpoints or pipeline runs on the live cluster.

    \b
    gpus       per GPU node: allocatable, requested by its pods, free, saturated, DCGM utilisation (Prometheus)
    jobs       TrainJobs, Kueue Workloads (admitted / pending and why), Volcano PodGroups, RayJobs
    inference  InferenceServices, KubeAI Models, vLLM engines, RayServices: ready, replicas, recent errors
    pipelines  Kubeflow Pipelines runs (Argo Workflows): phase, failing step, stuck runs
    Read-only (`stackplan rbac --ops`), never Secrets; the same facts the MCP server's tools return.
    Exit 0 printed, 2 bad input, 3 the API cannot be reached or authenticated.
    """
    from planner.ops.context import OpsContext
    from planner.ops.tools import call

    if (node and view != "gpus") or (no_utilisation and view != "gpus"):
        raise click.UsageError("--node and --no-utilisation only apply to `status gpus`")
    if (name or stuck_after != 30) and view != "pipelines":
        raise click.UsageError("--name and --stuck-after only apply to `status pipelines`")
    if (namespace or problems) and view == "gpus":
        raise click.UsageError("--namespace and --problems do not apply to `status gpus` (it shows every GPU node; "
                               "saturated ones are marked)")
    args: dict[str, object] = {}
    if view == "gpus":
        args = {"utilisation": not no_utilisation, **({"node": node} if node else {})}
    else:
        args = {**({"namespace": namespace} if namespace else {})}
        if view == "inference":
            args["not_ready_only"] = problems
        else:
            args["problems_only"] = problems
        if view == "pipelines":
            args.update({"stuck_after_minutes": stuck_after, **({"name": name} if name else {})})
    data = call(view, args, OpsContext(kubeconfig, context, timeout))
    for key, reason in sorted((data.get("unread") or {}).items()):
        click.echo(f"note: {key} not read: {reason}", err=True)
    if output == "json":
        from planner.render.emit import emit_json

        emit_json(data)
        return
    from planner.ops.render import VIEWS as ROWS
    from planner.render.emit import emit_table

    headers, rows, footer = ROWS[view](data)
    if rows:
        emit_table(headers, rows)
    for line in footer:
        click.echo(line)
