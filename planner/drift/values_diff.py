"""Pure: compare planned Helm values with a release's live `config`, masking anything Secret-like.

Equality (`values_equal`, numbers normalised as Helm stores them) lives in planner/values.py, which apply
uses too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.secrets import MASK, hides, is_secret_key, mask_tree
from planner.values import canonical_json, normalize, values_equal

_MAX_SHOWN = 60
__all__ = ["MASK", "ValueChange", "diff_values", "is_secret_key", "normalize", "values_equal"]


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
    text = json.dumps(mask_tree(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def diff_values(planned: Mapping[str, Any], live: Mapping[str, Any]) -> list[ValueChange]:
    """Differing leaf paths (dots inside keys escaped as `\\.`), sorted; lists compare whole."""
    out: list[ValueChange] = []
    _walk(normalize(planned), normalize(live), "", False, out)
    return sorted(out, key=lambda c: c.path)


def _walk(p: Any, v: Any, path: str, sensitive: bool, out: list[ValueChange]) -> None:
    """`sensitive`: an ancestor's key says the whole subtree is a credential (planner.secrets rules)."""
    if isinstance(p, Mapping) and isinstance(v, Mapping):
        for key in sorted(set(p) | set(v)):
            sub = f"{path}.{_escape(key)}" if path else _escape(key)
            if key not in v:
                out.append(ValueChange(sub, "removed", _show(p[key], sensitive or hides(key, p[key])), ""))
            elif key not in p:
                out.append(ValueChange(sub, "added", "", _show(v[key], sensitive or hides(key, v[key]))))
            else:
                hidden = sensitive or hides(key, p[key]) or hides(key, v[key])
                _walk(p[key], v[key], sub, hidden, out)
        return
    if canonical_json(p) != canonical_json(v):  # not `!=`: True == 1 in Python, not in JSON
        out.append(ValueChange(path or "(root)", "changed", _show(p, sensitive), _show(v, sensitive)))
