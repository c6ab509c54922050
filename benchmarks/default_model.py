"""Report whether stackplan's default model is current for the installed anthropic SDK.

Run on demand (not a test: the SDK's model list and deprecation table change with every release, and a fresh
machine must not turn red because of them):  python benchmarks/default_model.py
Prints one line per question and exits 1 when the default model should be changed in
planner/explain/config.py (listed as deprecated, missing from the SDK's model list, or not the newest of its
family), 0 otherwise. At run time, a request with a deprecated model also prints a note (planner/explain).
"""

from __future__ import annotations

import re
import sys
import typing


def sdk_models(model_type: object) -> list[str]:
    """The model ids in the SDK's `Model` type (a Union of a Literal of ids and str)."""
    literal = next(a for a in typing.get_args(model_type) if typing.get_origin(a) is typing.Literal)
    return list(typing.get_args(literal))


def version(model_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"-(\d+)(?=-|$)", model_id) if len(p) < 8)  # dated snapshots excluded


def assess(model: str, models: list[str], deprecated: dict[str, str]) -> list[tuple[bool, str]]:
    """(ok, line) per question: listed, not deprecated, newest of its family."""
    family = model.split("-")[1] if model.count("-") >= 1 else model
    same = [m for m in models if m.split("-")[1:2] == [family] and m not in deprecated]
    newest = max(same, key=version) if same else None
    return [
        (model in models, f"listed in the SDK's model list: {'yes' if model in models else 'no'}"),
        (model not in deprecated,
         f"deprecated by the SDK: {'no' if model not in deprecated else 'yes, end of life ' + deprecated[model]}"),
        (newest is not None and version(model) == version(newest),
         f"newest of the {family} family: {'yes' if newest and version(model) == version(newest) else newest}"),
    ]


def main() -> int:
    import anthropic
    from anthropic._data import DEPRECATED_MODELS

    from planner.explain.config import DEFAULT_MODEL

    results = assess(DEFAULT_MODEL, sdk_models(anthropic.types.Model), dict(DEPRECATED_MODELS))
    print(f"default model {DEFAULT_MODEL} against anthropic {anthropic.__version__}")
    for ok, line in results:
        print(f"  {'ok  ' if ok else 'STALE'} {line}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
