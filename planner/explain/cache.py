"""Explanations cached on disk: $XDG_CACHE_HOME/stackplan/explain/<2 hex>/<sha256>.json.

The key is a digest of the prompt version, the endpoint (base URL), the model and the redacted (and,
with --anonymize, anonymized) finding as it would be sent — so an unchanged failure costs no request,
and a changed prompt, endpoint, model or evidence never reuses an old answer. Entries hold only what the model answered
(placeholders included), never the raw finding; files are written 0600, atomically.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from planner.cachefile import write_cache_file
from planner.explain.prompts import PROMPT_VERSION


def cache_key(model: str, payload: dict[str, Any], endpoint: str = "https://api.anthropic.com") -> str:
    """`endpoint` is the base URL the answer came from: another server (a proxy, a local model) never
    answers from this one's entries."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    endpoint = endpoint.rstrip("/")
    return hashlib.sha256(f"{PROMPT_VERSION}\0{endpoint}\0{model}\0{canonical}".encode()).hexdigest()


class ExplanationCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        return self.directory / key[:2] / f"{key}.json" if self.directory else None

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or corrupt: a miss, never an error
        return data if isinstance(data, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        if path is None:
            return
        # a cache that cannot be written only costs a request next time
        write_cache_file(path, json.dumps(value, ensure_ascii=False, sort_keys=True))
