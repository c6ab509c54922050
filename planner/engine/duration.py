"""Go-style durations (`90s`, `10m`, `1h30m`), as helm and kubectl take them for --timeout."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text: str) -> float:
    """`"1h30m"` -> 5400.0; a bare number means seconds. Raises ValueError on anything else."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return float(text)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 10m, 1h30m)")
    return sum(float(n) * _UNIT[u] for n, u in parts)


def normalise(text: str) -> str:
    """A duration helm and kubectl both accept: a bare number gets an `s`."""
    seconds(text)
    text = text.strip()
    return f"{text}s" if text.isdigit() else text
