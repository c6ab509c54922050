"""Every word stackplan sends to a model, in one place: the system prompt, the answer tool, the user turn.

The system prompt and the tool schema are the stable prefix of every request (marked for prompt
caching); only the user turn changes. Bump PROMPT_VERSION whenever any text here changes — it is part
of the explanation cache key, so old answers are not reused for a different prompt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from planner.report import Finding

PROMPT_VERSION = "2026-12-07.1"
TOOL_NAME = "record_explanations"
LINK_PREFIX = "linked by rule"  # first evidence line of a root cause (planner/explain with_cause)

# Caps that keep one finding under the token budget (docs/explain.md, "Cost"): each text field is cut at
# MAX_FIELD_CHARS, and evidence lines are added only while the finding's JSON stays within MAX_FINDING_CHARS
# (~350 tokens), so even a request for one finding stays under 1,500 input tokens.
MAX_EVIDENCE_LINES = 10
MAX_FIELD_CHARS = 300
MAX_FINDING_CHARS = 1200

SYSTEM_PROMPT = """\
You are stackplan's troubleshooting assistant for AI/ML platforms on Kubernetes: NVIDIA GPU Operator, \
Kueue, Volcano, KServe (+ cert-manager, Knative), KubeAI, the vLLM production stack, Kubeflow, KubeRay, \
MLflow and their Helm charts. A platform engineer ran health checks; you get the findings that failed \
(FAILED) or could not be decided (UNKNOWN), grouped by component, as JSON with ids F1, F2, ...

For every finding, explain in plain English:
- summary: what is wrong, one sentence, naming the object.
- cause: the most likely cause given THIS evidence (quote the decisive field, reason or event). If the \
evidence allows several causes, say which is most likely and what would tell them apart.
- fix: how to fix it: the value, flag or object to change (Helm values by their key path).
- commands: up to 4 shell commands to run next, most useful first (kubectl, helm, stackplan), with the \
real namespace and names from the finding.

Rules:
- Use only facts in the findings and well-known upstream behaviour; never invent object names, versions \
or flags. Prefer read-only commands; say so when a command changes the cluster.
- Related findings often share one root cause (a driver failure breaks the validator and the device \
plugin): say so in each cause.
- A finding whose evidence starts with "linked by rule RC..." is a root cause that a rule linked to the \
findings listed as "explains ...": explain the root, then in cause confirm the link or, if the evidence \
disagrees, say what else is more likely. Your answer stands for every finding it explains.
- Upper-case tokens such as NAMESPACE_1, POD_2, NODE_1, IMAGE_1, IP_1, NAME_3 are placeholders for \
hidden names: use them verbatim. [REDACTED] marks removed credentials: never guess them.
- Be concise: summary <= 30 words, cause and fix <= 80 words each.
- Answer only by calling the record_explanations tool, with one entry per finding id."""

EXPLANATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "explanations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "the finding id, e.g. F1"},
                    "summary": {"type": "string", "minLength": 1, "maxLength": 600},
                    "cause": {"type": "string", "minLength": 1, "maxLength": 1500},
                    "fix": {"type": "string", "minLength": 1, "maxLength": 1500},
                    "commands": {"type": "array", "maxItems": 6, "items": {"type": "string", "maxLength": 400}},
                },
                "required": ["id", "summary", "cause", "fix", "commands"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["explanations"],
    "additionalProperties": False,
}

EXPLAIN_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Record one explanation per finding id (what is wrong, likely cause, fix, commands).",
    "input_schema": EXPLANATION_SCHEMA,
}

USER_PREAMBLE = "Explain these findings. Component: {component}.\n"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def finding_payload(f: Finding) -> dict[str, Any]:
    """What is sent about one finding (already redacted/anonymized by the caller). No `sensitive`, no URLs."""
    payload: dict[str, Any] = {
        "check": f.check_id,
        "expect": f.title,
        "outcome": f.outcome.value,
        "severity": f.severity.value,
        "subject": str(f.subject),
        "message": _clip(f.message),
    }
    if f.remediation:
        payload["hint"] = _clip(f.remediation)
    evidence: list[str] = []
    for line in f.evidence[:MAX_EVIDENCE_LINES]:
        if _size({**payload, "evidence": [*evidence, _clip(line)]}) > MAX_FINDING_CHARS:
            break
        evidence.append(_clip(line))
    if len(evidence) < len(f.evidence):
        evidence.append(f"... {len(f.evidence) - len(evidence)} more lines")
    if evidence:
        payload["evidence"] = evidence
    return payload


def _size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


def user_message(component: str, payloads: Sequence[dict[str, Any]]) -> str:
    """The one user turn: a short preamble plus the findings as compact JSON lines with ids F1..Fn."""
    lines = [json.dumps({"id": f"F{i}", **p}, ensure_ascii=False, separators=(",", ":"))
             for i, p in enumerate(payloads, start=1)]
    return USER_PREAMBLE.format(component=component) + "\n".join(lines)


def request_params(model: str, max_tokens: int, component: str, payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The Messages API request body: stable prefix (tools + system, cache_control) then the user turn."""
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
        "tools": [EXPLAIN_TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [{"role": "user", "content": user_message(component, payloads)}],
    }
