"""Documents built to exhaust time or memory, shared by tests/unit/test_hostile_input.py and the benchmark."""

from __future__ import annotations

from pathlib import Path


def laughs(levels: int = 9, width: int = 10) -> str:
    """The "billion laughs": each anchor is a list of `width` uses of the previous one (width**levels values)."""
    lines = ["profile: llm-inference", "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\ncomponents: {{kueue: {{values: {{x: *a{levels - 1}}}}}}}\n"


def deep_flow(depth: int = 5000) -> str:
    return "profile: llm-inference\ncomponents: {kueue: {values: {x: " + "[" * depth + "]" * depth + "}}}\n"


def deep_block(depth: int = 200) -> str:
    body = "".join("  " * (i + 3) + f"k{i}:\n" for i in range(depth))
    return "profile: llm-inference\ncomponents:\n  kueue:\n    values:\n" + body + "  " * (depth + 3) + "x: 1\n"


def many_values(count: int = 200_000) -> str:
    return "profile: llm-inference\ncomponents: {kueue: {values: {x: [" + ",".join(["1"] * count) + "]}}}\n"


def large(size: int = 20 << 20) -> str:
    line = "# padding padding padding padding padding padding padding padding\n"
    return "profile: llm-inference\n" + line * (size // len(line))


CASES = {"laughs": laughs, "deep_flow": deep_flow, "deep_block": deep_block, "many_values": many_values,
         "large": large}


def write_all(where: Path) -> dict[str, Path]:
    out = {}
    for name, make in CASES.items():
        out[name] = where / f"{name}.yaml"
        out[name].write_text(make(), encoding="utf-8")
    return out
