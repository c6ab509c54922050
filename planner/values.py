"""Helm values: merging, dotted paths, `--set` parsing and digests. Pure functions.

Merge semantics (documented in README "Values"):
- mappings merge key by key, recursively; the override wins on scalars and lists (lists replace whole);
- `null` over a scalar or list sets null, which Helm treats as "delete this key, use the chart default";
- `null` over a mapping is refused: it would silently wipe a whole default section. To switch a section
  off set its `enabled: false`; to replace it, give the new mapping.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from planner.errors import InputError

# SHA-256 from CPython's own module (3.12+: _sha2, 3.11: _sha256): `hashlib` loads OpenSSL first, which costs a
# planning run 2 ms of its ~45 (benchmarks/plan_speed.py). The digests are the same bytes; hashlib is the fallback.
try:
    from _sha2 import sha256  # type: ignore[import-not-found]
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment]


class NullOverMapping(ValueError):
    """An override tried to set a whole mapping to null."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def merge(base: Mapping[str, Any], override: Mapping[str, Any], _path: str = "") -> dict[str, Any]:
    """A new dict: `override` deep-merged over `base` (neither is modified)."""
    out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in base.items()}
    for key, value in override.items():
        path = f"{_path}.{key}" if _path else str(key)
        current = out.get(key)
        if value is None and isinstance(current, Mapping):
            raise NullOverMapping(path)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = merge(current, value, path)
        else:
            out[key] = copy.deepcopy(value)
    return out


_SEGMENT = re.compile(r"(?:[^.\\]|\\.)+")


def split_path(path: str) -> list[str]:
    """`a.b\\.c.d` -> ["a", "b.c", "d"] (a backslash escapes a dot, as in Helm's --set)."""
    if not path or path.startswith(".") or path.endswith(".") or ".." in path.replace("\\.", ""):
        raise ValueError(f"malformed key path {path!r}")
    return [s.replace("\\.", ".") for s in _SEGMENT.findall(path)]


def nested(path: str, value: Any) -> dict[str, Any]:
    """`("a.b", 1)` -> {"a": {"b": 1}}."""
    parts = split_path(path)
    out: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        out = {part: out}
    return out


def get_path(values: Mapping[str, Any], path: str, default: Any = None) -> Any:
    node: Any = values
    for part in split_path(path):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def parse_scalar(text: str) -> Any:
    """A `--set` value the way Helm reads it: true/false/null, integers, else a string.

    Floats stay strings (Helm does the same, so versions like 1.10 are not mangled); `{}` and `[]`
    are empty collections; quote with '"..."' to force a string.
    """
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered in ("null", "~"):
        return None
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", text):
        return int(text)
    return text


def parse_set(expr: str) -> tuple[str, str, Any]:
    """`comp.key.sub=value` -> ("comp", "key.sub", value). Raises InputError naming the flag."""
    if "=" not in expr:
        raise InputError(
            f"--set {expr!r}: expected COMPONENT.KEY=VALUE",
            hint="for example --set gpu-operator.driver.enabled=false",
        )
    path, raw = expr.split("=", 1)
    try:
        parts = split_path(path)
    except ValueError:
        parts = []
    if len(parts) < 2:
        raise InputError(
            f"--set {path!r}=…: the key must start with a component id, then the value path",  # value not echoed
            hint="for example --set mlflow.replicaCount=2",
        )
    component = parts[0]
    rest = ".".join(p.replace(".", "\\.") for p in parts[1:])
    return component, rest, parse_scalar(raw)


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON (used for values digests and the plan's lock digest)."""
    return "sha256:" + sha256(canonical_json(value).encode()).hexdigest()


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
    """Equal by digest (`Release.values_digest` against the live config's), then after normalising: Helm reads
    values through sigs.k8s.io/yaml into float64 numbers, so a planned `2.0` comes back as `2`, which is not a
    difference (used by apply's up-to-date test and drift's DR003)."""
    if planned_digest is not None and digest(live) == planned_digest:
        return True
    return digest(normalize(planned)) == digest(normalize(live))
