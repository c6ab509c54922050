"""A local stand-in for the Anthropic Messages API, good enough for the real `anthropic` SDK.

It listens on 127.0.0.1 (random port), records every request (path, headers, raw body), and answers
POST /v1/messages with a scripted reply — by default a `record_explanations` tool call that explains
every finding of the user turn — or with a scripted error (429, 500, 401, 529, …) or a delay (to
provoke client timeouts). POST /v1/messages/count_tokens returns an ESTIMATE (see estimate_tokens).

Token estimate (documented, not Anthropic's tokenizer): ceil(characters / 3.5) over the system text,
the JSON of the tool definitions and the message text, plus TOOL_USE_OVERHEAD when tools are given.
Anthropic's tool-use pricing page lists a hidden tool-use system prompt of 159–530 tokens depending on
model and tool_choice (https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens); we add 400.
Prompt caching is simulated: a cache_control'd prefix of at least CACHE_MIN_TOKENS is "written" on first
use and "read" afterwards, and usage reports it the way the API does.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHARS_PER_TOKEN = 3.5
TOOL_USE_OVERHEAD = 400
CACHE_MIN_TOKENS = 1024  # minimum cacheable prefix for Sonnet-class models (per Anthropic's caching docs)

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def _chars(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _system_text(body: dict[str, Any]) -> str:
    system = body.get("system") or ""
    return system if isinstance(system, str) else "".join(b.get("text", "") for b in system)


def _message_text(body: dict[str, Any]) -> str:
    out = []
    for m in body.get("messages", []):
        c = m.get("content")
        out.append(c if isinstance(c, str) else "".join(b.get("text", "") for b in c if isinstance(b, dict)))
    return "".join(out)


def prefix_tokens(body: dict[str, Any]) -> int:
    """Estimated tokens of the stable prefix: tool-use overhead + tool definitions + system text."""
    chars = _chars(body.get("tools") or []) + len(_system_text(body)) if body.get("tools") else len(_system_text(body))
    return math.ceil(chars / CHARS_PER_TOKEN) + (TOOL_USE_OVERHEAD if body.get("tools") else 0)


def estimate_tokens(body: dict[str, Any]) -> int:
    """Estimated input tokens of a Messages request (the prefix plus the user turn)."""
    return prefix_tokens(body) + math.ceil(len(_message_text(body)) / CHARS_PER_TOKEN)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


def findings_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of the user turn (one JSON object per line after the preamble)."""
    return [json.loads(line) for line in _message_text(body).splitlines() if line.startswith("{")]


def default_answer(body: dict[str, Any]) -> dict[str, Any]:
    """Explain every finding, echoing its subject and message (so placeholders come back verbatim)."""
    return {"explanations": [
        {"id": f["id"], "summary": f"{f['subject']} is broken: {f['message']}",
         "cause": f"model cause for {f['id']} ({f['subject']})", "fix": f"model fix for {f['subject']}",
         "commands": [f"kubectl describe {f['subject']}"]}
        for f in findings_in(body)]}


class FakeAnthropic:
    """Use as a context manager; `script` holds the next replies (dicts), default: `answer(body)`."""

    def __init__(self, answer: Callable[[dict[str, Any]], dict[str, Any]] = default_answer) -> None:
        self.answer = answer
        self.requests: list[Recorded] = []
        self.script: deque[dict[str, Any]] = deque()
        self._cached_prefixes: set[str] = set()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                with fake._lock:
                    fake.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, raw))
                status, payload, headers = fake._reply(self.path.split("?")[0], json.loads(raw or b"{}"))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # script helpers
    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        for _ in range(times):
            self.script.append({"status": status, "headers": headers or {}})

    def delay(self, seconds: float, times: int = 1) -> None:
        for _ in range(times):
            self.script.append({"sleep": seconds})

    def reply(self, content: list[dict[str, Any]], stop_reason: str = "tool_use") -> None:
        self.script.append({"content": content, "stop_reason": stop_reason})

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.split("?")[0] == "/v1/messages"]

    def _reply(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path == "/v1/messages/count_tokens":
            return 200, {"input_tokens": estimate_tokens(body)}, {}
        if path != "/v1/messages":
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": path}}, {}
        with self._lock:
            step = self.script.popleft() if self.script else {}
        if "sleep" in step:
            time.sleep(step["sleep"])
        if "status" in step:
            status = step["status"]
            err = {"type": "error",
                   "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": f"HTTP {status}"}}
            return status, err, step["headers"]
        content = step.get("content") or [
            {"type": "tool_use", "id": "toolu_01", "name": "record_explanations", "input": self.answer(body)}]
        return 200, self._message(body, content, step.get("stop_reason", "tool_use")), {}

    def _message(self, body: dict[str, Any], content: list[dict[str, Any]], stop_reason: str) -> dict[str, Any]:
        total, prefix = estimate_tokens(body), prefix_tokens(body)
        marked = any("cache_control" in b for b in body.get("system") or [] if isinstance(b, dict))
        written = read = 0
        if marked and prefix >= CACHE_MIN_TOKENS:
            key = json.dumps([body.get("tools"), body.get("system"), body.get("model")], sort_keys=True)
            with self._lock:
                if key in self._cached_prefixes:
                    read = prefix
                else:
                    written = prefix
                    self._cached_prefixes.add(key)
        return {"id": f"msg_{len(self.requests):04d}", "type": "message", "role": "assistant",
                "model": body.get("model"), "content": content, "stop_reason": stop_reason, "stop_sequence": None,
                "usage": {"input_tokens": total - written - read, "output_tokens": 50 * len(findings_in(body)),
                          "cache_creation_input_tokens": written, "cache_read_input_tokens": read}}
