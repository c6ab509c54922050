"""Every word `stackplan ask` sends to a model: the system prompt and the tool definitions (from the ops registry).

The system prompt and the tools are the stable prefix of every request of a conversation (marked for prompt
caching); the question and the tool results follow. The explain prompts live in planner/explain/prompts.py.
"""

from __future__ import annotations

from typing import Any

from planner.ops.tools import TOOLS

ASK_PROMPT_VERSION = "2026-12-07.1"

SYSTEM_PROMPT = """\
You are stackplan's operations assistant for an AI/ML platform on Kubernetes (NVIDIA GPU Operator, Kueue, \
Volcano, Kubeflow Trainer and Pipelines, KServe, KubeAI, the vLLM production stack, KubeRay). A platform \
engineer asks a question about the live cluster. Answer it by calling the read-only tools, then reply in \
plain English.

Rules:
- Base every statement on tool results from this conversation; never invent object names, numbers or states. \
If the tools cannot answer (a kind is listed under `unread`, the component is not installed), say so.
- Call the fewest tools that answer the question; call several in one turn when they are independent.
- Answer first, in a few sentences or a short list, naming the objects (namespace/name) and the decisive \
field, reason or event. Then a section "Evidence:" listing, per tool you used, the facts you relied on.
- Suggest the next read-only command (kubectl, stackplan) when it helps; say so when a fix changes the cluster.
- [REDACTED] marks removed credentials: never guess them."""

MAX_TOOL_ROUNDS = 8


def api_tools() -> list[dict[str, Any]]:
    """The ops tools as Messages API tool definitions; the last one carries the cache breakpoint."""
    tools = [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in TOOLS.values()]
    tools[-1] = {**tools[-1], "cache_control": {"type": "ephemeral"}}
    return tools


def request_params(model: str, max_tokens: int, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"model": model, "max_tokens": max_tokens,
            "system": [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
            "tools": api_tools(), "messages": messages}
