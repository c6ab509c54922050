"""`stackplan mcp`: an MCP server exposing the read-only ops tools (stdio by default, `--http [PORT]` on loopback)."""

from __future__ import annotations

import click

from planner.commands.options import cluster_options, load_plan, timeout_option

DEFAULT_HTTP_PORT = 8787


@click.command()
@cluster_options
@click.option("-f", "--file", "stack_file", metavar="FILE",
              help="The stack file check/drift/preflight/explain compare with (default: ./stackplan.yaml if present).")
@click.option("--profile", "-p", metavar="PROFILE", help="Compare with a profile's default plan instead.")
@click.option("--http", "http_port", type=click.IntRange(0, 65535), is_flag=False, flag_value=DEFAULT_HTTP_PORT,
              default=None, metavar="[PORT]",
              help=f"Serve streamable HTTP on 127.0.0.1:PORT/mcp (default port {DEFAULT_HTTP_PORT}; 0 picks a free "
                   "one) instead of stdio.")
@timeout_option("10s", "Timeout of each API request")
def mcp(kubeconfig: str | None, context: str | None, stack_file: str | None, profile: str | None,
        http_port: int | None, timeout: float) -> None:
    """Serve the ops tools to MCP clients (Claude Code, Codex, IDEs): read-only, never Secrets.

    \b
    Tools: gpus, jobs, inference, pipelines (the facts `stackplan status` prints), check, drift, preflight, explain.
    Register with Claude Code:
      claude mcp add stackplan -- stackplan mcp --kubeconfig ~/.kube/config
    Or over HTTP (loopback only):
      stackplan mcp --http 8787   then   claude mcp add --transport http stackplan http://127.0.0.1:8787/mcp
    Run it under the read-only RBAC `stackplan rbac --ops` prints.
    """
    from planner.errors import InputError
    from planner.ops.context import OpsContext

    if stack_file and profile:
        raise click.UsageError("--profile and -f are mutually exclusive")
    try:
        import mcp.server.lowlevel  # noqa: F401 - present? (the server module imports it lazily)
    except ModuleNotFoundError as e:
        raise InputError(f"the MCP server needs the `mcp` package ({e.name} is missing)",
                         hint="pip install 'mcp>=2.3,<3' (it is a dependency of stackplan)") from e
    from planner.ops import mcp_server

    if stack_file or profile:
        load_plan(stack_file, profile)  # a bad stack file is exit 2 now, not an error in every tool call
    ctx = OpsContext(kubeconfig, context, timeout, stack_file, profile, load_plan=load_plan)
    from planner.cluster import ClusterReader

    with ClusterReader(kubeconfig, context, timeout):  # a missing or bad kubeconfig is exit 2 now (no request sent)
        pass
    if http_port is None:
        import sys

        if sys.stdin.isatty():  # a person, not an MCP client: say what this is (stdout belongs to the protocol)
            click.echo("stackplan mcp: serving MCP over stdio; an MCP client starts this command (see "
                       "`stackplan mcp --help`, docs/ops.md). Ctrl-D or Ctrl-C ends it.", err=True)
        mcp_server.serve_stdio(ctx)
        return
    try:
        sock = mcp_server.bind_loopback(http_port)
    except OSError as e:
        raise InputError(f"--http {http_port}: cannot listen on 127.0.0.1:{http_port}: {e.strerror}",
                         hint="choose another port, or 0 for a free one") from e
    mcp_server.serve_http(ctx, sock)
