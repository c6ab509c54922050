"""`stackplan ask "QUESTION"`: Claude answers a question about the live cluster with the read-only ops tools."""

from __future__ import annotations

import json
import sys

import click

from planner.commands.options import cluster_options, timeout_option


@click.command()
@click.argument("question")
@cluster_options
@click.option("-f", "--file", "stack_file", metavar="FILE",
              help="The stack file for the check/drift/preflight/explain tools.")
@click.option("--profile", "-p", metavar="PROFILE",
              help="A profile's default plan for the check/drift/preflight/explain tools.")
@click.option("--show-prompt", is_flag=True, help="Print the first request that would be sent, and send nothing.")
@click.option("--anonymize", is_flag=True,
              help="Send the names in the tools' answers (namespaces, objects, nodes) as placeholders; the answer "
                   "gets them back. Names written in the question itself are sent as written.")
@click.option("--model", metavar="ID", help="Model id (overrides $STACKPLAN_MODEL and the config file).")
@click.option("--base-url", metavar="URL", help="Messages API base URL (overrides $ANTHROPIC_BASE_URL and the config).")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@timeout_option("10s", "Timeout of each Kubernetes API request")
def ask(question: str, kubeconfig: str | None, context: str | None, stack_file: str | None, profile: str | None,
        show_prompt: bool, anonymize: bool, model: str | None, base_url: str | None, output: str,
        timeout: float) -> None:
    """Ask about the live cluster in plain English; Claude answers with the tools and shows its evidence.

    \b
    stackplan ask "What GPU jobs are running and what is their status?"
    stackplan ask "Which inference services are returning errors?"
    stackplan ask "Is pipeline train-pipeline stuck, and which step failed?"
    stackplan ask "Which GPU node is saturated?"
    Uses ANTHROPIC_API_KEY and the model/endpoint settings of `stackplan explain`; what is sent (the question and
    the tools' answers) is redacted first, and Secrets are never read. Without a key it names the
    `stackplan status` view that answers it. Exit 0 answered, 1 no answer within 8 tool rounds, 2 bad input,
    3 the cluster or the model API could not be reached.
    """
    from planner.errors import ClusterUnreachableError
    from planner.explain.config import resolve_config
    from planner.ops.ask import ask as run_ask
    from planner.ops.ask import first_request
    from planner.ops.context import OpsContext
    from planner.ops.tools import status_for

    if not question.strip():
        raise click.BadParameter("ask a question, e.g. \"Which GPU node is saturated?\"", param_hint="QUESTION")
    if stack_file and profile:
        raise click.UsageError("--profile and -f are mutually exclusive")
    cfg = resolve_config(model=model, base_url=base_url)
    if show_prompt:
        request = first_request(question, cfg.model, cfg.max_tokens)
        click.echo(f"# request 1: POST {cfg.endpoint}/v1/messages (API key header not shown)")
        click.echo(json.dumps(request, indent=2, ensure_ascii=False))
        click.echo("nothing was sent; later requests add the tools' (redacted) answers", err=True)
        return
    views = status_for(question)
    if not cfg.has_key:
        click.echo("no ANTHROPIC_API_KEY: nothing was asked.", err=True)
        if views:
            click.echo("These answer it without a model: " + "; ".join(f"`stackplan status {v}`" for v in views))
        else:
            click.echo("`stackplan status gpus|jobs|inference|pipelines` show GPUs, jobs, inference endpoints and "
                       "pipeline runs; `stackplan check` the stack's health.")
        return
    from planner.explain.anthropic import AnthropicExplainer
    from planner.explain.base import ExplainerUnavailable

    client = AnthropicExplainer(cfg, notice=lambda m: click.echo(m, err=True))
    from planner.commands.options import load_plan

    ctx = OpsContext(kubeconfig, context, timeout, stack_file, profile, load_plan=load_plan)
    with ctx.reader():  # an unreachable cluster is exit 3 before anything is sent to the model
        pass
    try:
        anonymizer = None
        if anonymize:
            from planner.explain.redact import Anonymizer

            anonymizer = Anonymizer()
        answer = run_ask(question, ctx, client.create, model=cfg.model, max_tokens=cfg.max_tokens,
                         anonymizer=anonymizer)
    except ExplainerUnavailable as e:
        hint = (" — " + "; ".join(f"`stackplan status {v}`" for v in views) + " answers without a model") if views \
            else ""
        raise ClusterUnreachableError(f"no answer: {e}{hint}") from e
    if output == "json":
        from planner.secrets import redact_text

        click.echo(json.dumps({"question": redact_text(question), "answer": answer.text, "complete": answer.complete,
                               "model": cfg.model, "requests": answer.requests,
                               "evidence": [{"tool": e.tool, "arguments": e.arguments, "summary": e.summary}
                                            for e in answer.evidence]}, indent=2, ensure_ascii=False))
    else:
        click.echo(answer.text)
        if answer.evidence:
            click.echo("\nTools called:")
            for e in answer.evidence:
                args = json.dumps(e.arguments, sort_keys=True) if e.arguments else ""
                click.echo(f"  {e.tool}({args}) -> {e.summary}")
    sys.exit(0 if answer.complete else 1)
