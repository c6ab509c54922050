"""The LLM explainer: Anthropic's Messages API through the `anthropic` SDK, answers via tool use.

One request explains a batch of related findings. The system prompt and tool schema form a stable,
cache-marked prefix. The answer is the input of a forced `record_explanations` tool call, validated
with jsonschema — never scraped from text. Retries (429, 5xx, 529, timeouts, connection errors) use
exponential backoff with jitter and honour Retry-After up to `max_retry_wait`; anything else, or
retries exhausted, becomes one plain `ExplainerUnavailable` message.
The findings given to `explain` must already be redacted (planner.explain.sanitize does that).
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from planner.explain.base import ExplainerUnavailable
from planner.explain.config import ExplainConfig
from planner.explain.prompts import EXPLANATION_SCHEMA, TOOL_NAME, finding_payload, request_params
from planner.report import Explanation, Finding

MAX_BACKOFF = 8.0
_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}


class AnthropicExplainer:
    name = "anthropic"

    def __init__(self, config: ExplainConfig, *, sleep: Callable[[float], None] = time.sleep,
                 notice: Callable[[str], None] | None = None) -> None:
        self.config = config
        self._sleep = sleep
        self._notice = notice
        self._client: Any = None
        self.requests = 0  # HTTP attempts made, for the run summary and the benchmark
        self.usage: list[dict[str, int]] = []

    # -- the request --------------------------------------------------------------------------
    def params(self, findings: Sequence[Finding]) -> dict[str, Any]:
        component = (findings[0].component if findings else None) or "cluster"
        return request_params(self.config.model, self.config.max_tokens, component,
                              [finding_payload(f) for f in findings])

    def explain(self, findings: Sequence[Finding]) -> list[Explanation | None]:
        if not findings:
            return []
        message = self._create(self.params(findings))
        answers = parse_answer(message, len(findings))
        model = getattr(message, "model", None) or self.config.model
        return [Explanation(a["summary"], a["cause"], a["fix"], tuple(a["commands"]), f"model:{model}") if a else None
                for a in answers]

    def _client_or_new(self) -> Any:
        if self._client is None:
            import anthropic

            # explicit credentials only: the SDK then ignores profiles and other ambient credentials
            credential = ({"api_key": self.config.api_key} if self.config.api_key
                          else {"auth_token": self.config.auth_token})
            self._client = anthropic.Anthropic(**credential, base_url=self.config.base_url,
                                               timeout=self.config.timeout, max_retries=0)
        return self._client

    def create(self, params: dict[str, Any]) -> Any:
        """One Messages API request (any body) with this client's retries; ExplainerUnavailable when it fails.
        `stackplan ask` sends its tool-use turns through here, so both share the client setup."""
        return self._create(params)

    def _create(self, params: dict[str, Any]) -> Any:
        import anthropic

        client = self._client_or_new()
        attempts = 1 + max(0, self.config.max_retries)
        for attempt in range(attempts):
            self.requests += 1
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    message = client.messages.create(**params)
                self._report_warnings(caught)
                usage = getattr(message, "usage", None)
                if usage is not None:
                    self.usage.append({"input_tokens": usage.input_tokens or 0,
                                       "cache_read_input_tokens": usage.cache_read_input_tokens or 0,
                                       "cache_creation_input_tokens": usage.cache_creation_input_tokens or 0,
                                       "output_tokens": usage.output_tokens or 0})
                return message
            except anthropic.APIStatusError as e:
                if e.status_code not in _RETRY_STATUS or attempt + 1 == attempts:
                    raise ExplainerUnavailable(describe_error(e, self.config)) from e
                wait = _retry_after(e.response)
                if wait is not None and wait > self.config.max_retry_wait:
                    raise ExplainerUnavailable(describe_error(e, self.config, retry_after=wait)) from e
                self._sleep(wait if wait is not None else self._backoff(attempt))
            except anthropic.APIConnectionError as e:  # includes APITimeoutError
                if attempt + 1 == attempts:
                    raise ExplainerUnavailable(describe_error(e, self.config)) from e
                self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(self.config.backoff * 2**attempt, MAX_BACKOFF) * (1 - 0.25 * random.random())

    def _report_warnings(self, caught: list[warnings.WarningMessage]) -> None:
        for w in caught:
            if self._notice and issubclass(w.category, DeprecationWarning) and "deprecated" in str(w.message):
                self._notice(f"note: {str(w.message).splitlines()[0]} (set STACKPLAN_MODEL to a current model)")


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers.get(name)) * scale
        except (TypeError, ValueError):
            continue
    return None


def parse_answer(message: Any, count: int) -> list[dict[str, Any] | None]:
    """The validated `record_explanations` input, one entry (or None) per finding F1..F<count>."""
    import jsonschema

    if getattr(message, "stop_reason", None) == "max_tokens":
        raise ExplainerUnavailable("the model's answer was cut off (max_tokens); raise explain.max_tokens or "
                                   "lower explain.max_batch", fatal=False)
    blocks = [b for b in getattr(message, "content", []) or []
              if getattr(b, "type", None) == "tool_use" and getattr(b, "name", None) == TOOL_NAME]
    if not blocks:
        raise ExplainerUnavailable("the model did not answer with the record_explanations tool", fatal=False)
    data = blocks[0].input
    try:
        jsonschema.validate(data, EXPLANATION_SCHEMA)
    except jsonschema.ValidationError as e:
        raise ExplainerUnavailable(f"the model's answer does not match the explanation schema: {e.message}",
                                   fatal=False) from e
    by_id = {item["id"].strip().upper(): item for item in data["explanations"]}
    return [by_id.get(f"F{i}") for i in range(1, count + 1)]


def describe_error(e: Exception, config: ExplainConfig, retry_after: float | None = None) -> str:
    """One plain sentence for the user: what failed, and what to do about it."""
    import anthropic

    where = config.base_url or "the Anthropic API"
    if isinstance(e, anthropic.RateLimitError):
        wait = f" (it asks to wait {retry_after:.0f}s)" if retry_after else ""
        return f"{where} refused the request: API quota exhausted or rate limited (429){wait}"
    if isinstance(e, anthropic.AuthenticationError):
        return f"{where} rejected the API key (401): check ANTHROPIC_API_KEY"
    if isinstance(e, anthropic.PermissionDeniedError):
        return f"the API key may not use model {config.model} (403): check the key's permissions or STACKPLAN_MODEL"
    if isinstance(e, anthropic.NotFoundError):
        return f"model {config.model} was not found (404): set STACKPLAN_MODEL to a current model"
    if isinstance(e, anthropic.APIStatusError):
        kind = "is overloaded" if e.status_code == 529 else "failed"
        return f"{where} {kind} (HTTP {e.status_code}) after {config.max_retries + 1} attempts"
    if isinstance(e, anthropic.APITimeoutError):
        return f"{where} did not answer within {config.timeout:g}s ({config.max_retries + 1} attempts)"
    if isinstance(e, anthropic.APIConnectionError):
        return f"could not connect to {where} ({config.max_retries + 1} attempts)"
    return f"{where} failed: {type(e).__name__}"
