"""Pure: compare planned Helm values with a release's live `config`, masking anything Secret-like.

Helm reads `-f values.yaml` through sigs.k8s.io/yaml into float64 numbers, so a planned `2.0` comes back
as `2`; numbers are normalised before comparing so that representation alone is never drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.values import canonical_json, digest

MASK = "***"
# a key whose name says it holds a credential: its values (and everything under it) are never shown
_SECRET_WORDS = re.compile(
    r"pass(word|wd|phrase)|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|"
    r"connection[-_]?string|dsn$|\bcookie",
    re.IGNORECASE,
)
_MAX_SHOWN = 60


def is_secret_key(key: str) -> bool:
    """`adminPassword`, `apiKey`, `tls.key`-style `key`, `basicAuth`, `clientSecret`, `token`..."""
    lowered = key.lower()
    return bool(_SECRET_WORDS.search(key)) or lowered in ("key", "auth", "authorization") or (
        key.endswith(("Key", "Auth")) or lowered.endswith(("_key", "-key", "_auth", "-auth")))


def normalize(value: Any) -> Any:
    """Integral floats become ints, recursively (Go's encoding/json writes float64 2 as `2`)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def values_equal(planned: Mapping[str, Any], live: Mapping[str, Any], planned_digest: str | None = None) -> bool:
    """Equal by digest (`Release.values_digest` against the live config's), then after normalising."""
    if planned_digest is not None and digest(live) == planned_digest:
        return True
    return digest(normalize(planned)) == digest(normalize(live))


def _escape(key: str) -> str:
    return key.replace(".", "\\.")


@dataclass(frozen=True)
class ValueChange:
    """One differing dotted path; `planned`/`live` are display strings, already masked when sensitive."""

    path: str
    change: str  # changed | added (live only) | removed (planned only)
    planned: str
    live: str

    def __str__(self) -> str:
        if self.change == "added":
            return f"{self.path}: not planned, live {self.live}"
        if self.change == "removed":
            return f"{self.path}: planned {self.planned}, not set live"
        return f"{self.path}: planned {self.planned}, live {self.live}"


def _show(value: Any, sensitive: bool) -> str:
    if sensitive:
        return MASK
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _mask_tree(value: Any) -> Any:
    """A copy with every Secret-like key's value masked (for showing a whole subtree or list). An env-style
    `{name: DB_PASSWORD, value: ...}` entry counts as the key `DB_PASSWORD`."""
    if isinstance(value, Mapping):
        named_secret = isinstance(value.get("name"), str) and is_secret_key(value["name"])
        return {k: (MASK if is_secret_key(str(k)) or (named_secret and k == "value") else _mask_tree(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_tree(v) for v in value]
    return value


def diff_values(planned: Mapping[str, Any], live: Mapping[str, Any]) -> list[ValueChange]:
    """Differing leaf paths (dots inside keys escaped as `\\.`), sorted; lists compare whole."""
    out: list[ValueChange] = []
    _walk(normalize(planned), normalize(live), "", False, out)
    return sorted(out, key=lambda c: c.path)


def _walk(p: Any, v: Any, path: str, sensitive: bool, out: list[ValueChange]) -> None:
    if isinstance(p, Mapping) and isinstance(v, Mapping):
        for key in sorted(set(p) | set(v)):
            sub = f"{path}.{_escape(key)}" if path else _escape(key)
            hidden = sensitive or is_secret_key(key)
            if key not in v:
                out.append(ValueChange(sub, "removed", _show(_mask_tree(p[key]), hidden), ""))
            elif key not in p:
                out.append(ValueChange(sub, "added", "", _show(_mask_tree(v[key]), hidden)))
            else:
                _walk(p[key], v[key], sub, hidden, out)
        return
    if canonical_json(p) != canonical_json(v):  # not `!=`: True == 1 in Python, not in JSON
        out.append(ValueChange(path or "(root)", "changed", _show(_mask_tree(p), sensitive),
                               _show(_mask_tree(v), sensitive)))
