"""What one finding costs in the prompt, and the prompt-version guard of the explanation cache."""

from __future__ import annotations

import hashlib
import json

from planner.explain import prompts
from planner.explain.cache import cache_key
from planner.report import Finding, Outcome, Subject

# PROMPT_VERSION -> digest of the prompt text. Changing any prompt text must bump PROMPT_VERSION (it is part
# of the cache key, so answers to an older prompt are not reused); then record the new digest here.
PROMPT_DIGESTS = {"2026-11-27.1": "64f6f26b2acf040b", "2026-12-07.1": "c479a682adb0de31"}


def _digest() -> str:
    text = prompts.SYSTEM_PROMPT + json.dumps(prompts.EXPLAIN_TOOL, sort_keys=True) + prompts.USER_PREAMBLE
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_prompt_changes_bump_the_version() -> None:
    assert PROMPT_DIGESTS.get(prompts.PROMPT_VERSION) == _digest(), (
        "the prompt text changed: bump PROMPT_VERSION in planner/explain/prompts.py and record the digest here")


def test_a_huge_finding_is_capped() -> None:
    f = Finding("HC005", "Pods run", Outcome.FAILED, Subject("Pod", "p", "ns"), "m" * 5000,
                evidence=tuple(f"line {i} " + "x" * 2000 for i in range(50)), remediation="r" * 3000,
                sensitive=("secret-name",), doc_url="https://internal.example/doc")
    payload = prompts.finding_payload(f)
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    assert size <= prompts.MAX_FINDING_CHARS + 40  # + the "... N more lines" marker
    assert payload["evidence"][-1].endswith("more lines")
    assert "sensitive" not in payload and "internal.example" not in json.dumps(payload)


def test_short_findings_keep_all_their_evidence() -> None:
    f = Finding("HC005", "Pods run", Outcome.FAILED, Subject("Pod", "p", "ns"), "short", evidence=("a", "b"))
    assert prompts.finding_payload(f)["evidence"] == ["a", "b"]


def test_cache_key_depends_on_model_endpoint_payload_and_prompt_version(monkeypatch) -> None:
    payload = {"check": "HC001", "message": "m"}
    key = cache_key("m1", payload)
    assert key == cache_key("m1", dict(reversed(list(payload.items()))))  # canonical
    assert key != cache_key("m2", payload) and key != cache_key("m1", {**payload, "message": "n"})
    assert key == cache_key("m1", payload, "https://api.anthropic.com/")  # the default endpoint, trailing slash
    assert key != cache_key("m1", payload, "http://127.0.0.1:8080")
    monkeypatch.setattr("planner.explain.cache.PROMPT_VERSION", "next")
    assert key != cache_key("m1", payload)
