"""`stackplan ask`: Claude answers a question about the live cluster by calling the ops tools.

The conversation goes through explain's client (planner/explain/anthropic.py: the same model, endpoint, timeout,
retries and error messages, settings from planner/explain/config.py). What is sent is redacted by the shared
credential rules: the question, and every tool result (already masked by `planner.ops.tools.call`, then the
JSON text once more). Answers are not cached: they describe the cluster at the moment they were asked; the
stable prefix (system prompt and tools) is marked for the API's prompt caching.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from planner.explain.base import ExplainerUnavailable
from planner.ops.context import OpsContext
from planner.ops.prompts import MAX_TOOL_ROUNDS, request_params
from planner.ops.tools import TOOLS, call
from planner.secrets import redact_text


@dataclass
class Evidence:
    tool: str
    arguments: dict[str, Any]
    summary: str


@dataclass
class Answer:
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    requests: int = 0
    complete: bool = True  # False when the tool rounds ran out


def summarise(tool: str, result: dict[str, Any]) -> str:
    """One line of the facts a tool returned (for the evidence list)."""
    if "error" in result:
        return f"error: {result['error']}"
    if tool == "gpus":
        t = result["total"]
        line = f"{len(result['nodes'])} GPU node(s), {t['allocatable']} allocatable, {t['requested']} requested, " \
               f"{t['free']} free"
        return line + (f"; saturated: {', '.join(result['saturated'])}" if result["saturated"] else "")
    if tool in ("jobs", "pipelines"):
        key = "jobs" if tool == "jobs" else "runs"
        counts = ", ".join(f"{v} {k}" for k, v in sorted(result["counts"].items())) or "none"
        line = f"{len(result[key])} {key}: {counts}"
        return line + (f"; stuck: {', '.join(result['stuck'])}" if result.get("stuck") else "")
    if tool == "inference":
        return f"{len(result['endpoints'])} endpoint(s), {result['notReady']} not ready" + (
            f"; with errors: {', '.join(result['withErrors'])}" if result["withErrors"] else "")
    summary = result.get("summary") or {}
    return ", ".join(f"{v} {k}" for k, v in summary.items() if v) or "no findings"


def _blocks(message: Any) -> list[dict[str, Any]]:
    """The assistant turn as plain content blocks, to send back with the tool results."""
    out = []
    for b in getattr(message, "content", []) or []:
        if getattr(b, "type", None) == "text":
            out.append({"type": "text", "text": b.text})
        elif getattr(b, "type", None) == "tool_use":
            out.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
    return out


def _run_tool(name: str, args: Any, ctx: OpsContext) -> dict[str, Any]:
    """A tool's answer, or `{"error": ...}` the model can read (unknown tool, bad arguments, unreachable)."""
    from planner.errors import StackplanError
    from planner.ops.tools import ToolArgumentError

    if name not in TOOLS:
        return {"error": f"unknown tool {name}; tools: {', '.join(TOOLS)}"}
    try:
        return call(name, args if isinstance(args, dict) else {}, ctx)
    except (ToolArgumentError, StackplanError) as e:
        return {"error": redact_text(str(e))}


# keys of the tools' answers whose values are names (of objects, namespaces, nodes) for --anonymize
_NAME_KEYS = {"namespace": "namespace", "node": "node", "name": "name", "rayCluster": "name", "clusterQueue": "name",
              "queue": "name", "runId": "name", "model": "name", "runtime": "name"}


def collect_names(anonymizer: Any, data: Any) -> None:
    """Give every name in a tool's answer a placeholder (`--anonymize`)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k in _NAME_KEYS and isinstance(v, str):
                anonymizer.add(v, _NAME_KEYS[k])
            elif k == "pods" and isinstance(v, list):
                for p in v:
                    if isinstance(p, dict):
                        collect_names(anonymizer, {"namespace": p.get("namespace"), "name": p.get("name")})
            else:
                collect_names(anonymizer, v)
    elif isinstance(data, list):
        for v in data:
            collect_names(anonymizer, v)


def _restore(anonymizer: Any, value: Any) -> Any:
    if isinstance(value, str):
        return anonymizer.restore(value)
    if isinstance(value, dict):
        return {k: _restore(anonymizer, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(anonymizer, v) for v in value]
    return value


def ask(question: str, ctx: OpsContext, create: Callable[[dict[str, Any]], Any], *, model: str,
        max_tokens: int, run_tool: Callable[[str, Any, OpsContext], dict[str, Any]] = _run_tool,
        anonymizer: Any = None) -> Answer:
    """Ask the model, running the tools it calls, until it answers in text (at most MAX_TOOL_ROUNDS rounds).

    With an `anonymizer` (planner.explain.redact.Anonymizer), names in the tools' answers are sent as placeholders;
    the model's tool arguments and its answer get the real names back."""
    hide = anonymizer if anonymizer is not None else (lambda text: text)
    messages: list[dict[str, Any]] = [{"role": "user", "content": hide(redact_text(question))}]
    answer = Answer("")
    for _ in range(MAX_TOOL_ROUNDS):
        message = create(request_params(model, max_tokens, messages))
        answer.requests += 1
        blocks = _blocks(message)
        uses = [b for b in blocks if b["type"] == "tool_use"]
        if getattr(message, "stop_reason", None) != "tool_use" or not uses:
            text = "\n".join(b["text"] for b in blocks if b["type"] == "text").strip()
            answer.text = anonymizer.restore(text) if anonymizer is not None else text
            if getattr(message, "stop_reason", None) == "max_tokens":
                answer.text += "\n(the answer was cut off: raise explain.max_tokens)"
            return answer
        results = []
        for use in uses:
            args = _restore(anonymizer, use["input"]) if anonymizer is not None else use["input"]
            result = run_tool(use["name"], args, ctx)
            answer.evidence.append(Evidence(use["name"], dict(args or {}), summarise(use["name"], result)))
            if anonymizer is not None:
                collect_names(anonymizer, result)
            text = hide(redact_text(json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))))
            results.append({"type": "tool_result", "tool_use_id": use["id"], "content": text,
                            **({"is_error": True} if "error" in result else {})})
        messages += [{"role": "assistant", "content": blocks}, {"role": "user", "content": results}]
    answer.complete = False
    answer.text = f"no answer after {MAX_TOOL_ROUNDS} rounds of tool calls; the evidence gathered is below"
    return answer


def first_request(question: str, model: str, max_tokens: int) -> dict[str, Any]:
    """What `--show-prompt` prints: the first request, exactly as it would be sent."""
    return request_params(model, max_tokens, [{"role": "user", "content": redact_text(question)}])


__all__ = ["Answer", "Evidence", "ExplainerUnavailable", "ask", "first_request", "summarise"]
