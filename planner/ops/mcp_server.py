"""`stackplan mcp`: the ops tools as an MCP server (the official `mcp` SDK's low-level Server), over stdio or
streamable HTTP on 127.0.0.1.

Tools are listed from planner/ops/tools.py with their input JSON Schemas, an output schema (the SDK's client
validates answers against it) and annotations saying they are read-only, idempotent and closed-world. A call
runs the tool in a worker thread (the cluster reader is blocking), and answers with the JSON both as structured
content and as text; every answer has gone through the credential rules. Errors are tool errors (`isError`)
carrying stackplan's message and hint, never a traceback.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from planner import __version__
from planner.ops.context import OpsContext

SERVER_NAME = "stackplan"
INSTRUCTIONS = (
    "Read-only tools over the live Kubernetes cluster of an AI/ML platform (GPU Operator, Kueue, Volcano, "
    "Kubeflow Trainer and Pipelines, KServe, KubeAI, vLLM, KubeRay). gpus: GPU allocation and utilisation per "
    "node; jobs: training/batch jobs and why they wait; inference: serving endpoints, readiness, recent errors; "
    "pipelines: pipeline runs, failing or stuck steps; check/drift/explain: health, drift and explanations for "
    "the installed stack; preflight: what blocks installing it. Nothing here changes the cluster; Secret values "
    "are never returned.")
HTTP_PATH = "/mcp"


def build_server(ctx: OpsContext) -> Any:
    """The low-level MCP Server with the ops tools."""
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from planner.errors import StackplanError
    from planner.ops.tools import TOOLS, ToolArgumentError, call

    listed = [types.Tool(name=t.name, description=t.description, input_schema=t.input_schema,
                         output_schema=t.output_schema,
                         annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                                           idempotent_hint=True, open_world_hint=False))
              for t in TOOLS.values()]

    async def list_tools(_ctx: Any, _params: Any) -> Any:
        return types.ListToolsResult(tools=listed)

    def error(text: str) -> Any:
        from planner.secrets import redact_text

        return types.CallToolResult(content=[types.TextContent(type="text", text=redact_text(text))], is_error=True)

    async def call_tool(_ctx: Any, params: Any) -> Any:
        if params.name not in TOOLS:
            return error(f"unknown tool `{params.name}`; tools: {', '.join(TOOLS)}")
        try:
            result = await anyio.to_thread.run_sync(call, params.name, dict(params.arguments or {}), ctx)
        except ToolArgumentError as e:
            return error(str(e))
        except StackplanError as e:
            return error(f"error: {e.render()}")
        except Exception as e:  # a tool's bug is an error answer, not a dead server
            return error(f"internal error in tool {params.name}: {type(e).__name__}: {e}")
        text = json.dumps(result, ensure_ascii=False, sort_keys=True)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=result)

    return Server(SERVER_NAME, version=__version__, title="stackplan ops", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool)


async def _stdio(server: Any) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def serve_stdio(ctx: OpsContext) -> None:
    import anyio

    anyio.run(_stdio, build_server(ctx))


def bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: a free port). OSError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def serve_http(ctx: OpsContext, sock: socket.socket) -> None:
    """Streamable HTTP on an already bound loopback socket (the SDK's DNS-rebinding protection is on)."""
    import anyio
    import uvicorn

    app = build_server(ctx).streamable_http_app(streamable_http_path=HTTP_PATH, host="127.0.0.1")
    host, port = sock.getsockname()[:2]
    print(f"stackplan mcp: serving MCP (streamable HTTP) at http://{host}:{port}{HTTP_PATH}", file=sys.stderr,
          flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    anyio.run(lambda: server.serve(sockets=[sock]))
