"""The requirements table of docs/conformance.md, generated from the checklists, satisfiers and registry.

    python -m planner.conformance.docgen --write   # rewrites the table between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.conformance.checklist import checklist, versions
from planner.conformance.registry import REQUIREMENT_CHECKS
from planner.conformance.satisfy import SATISFIERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"
BEGIN, END = "<!-- requirements:begin (python -m planner.conformance.docgen --write) -->", "<!-- requirements:end -->"


def _by(rid: str) -> str:
    s = SATISFIERS[rid]
    if s.scope == "stack":
        return " + ".join(" or ".join(g) for g in s.all_of)
    if s.scope == "platform":
        return "the platform" + (f" (Kubernetes ≥ {s.min_kubernetes})" if s.min_kubernetes else "")
    return "not in the catalog yet" + (f" (needs also {', '.join(s.components())})" if s.components() else "")


def table() -> str:
    vs = versions()
    ids: list[str] = []
    for v in vs:
        ids += [r.id for r in checklist(v).requirements if r.id not in ids]
    levels = {v: {r.id: r.level for r in checklist(v).requirements} for v in vs}
    lines = ["| requirement | " + " | ".join(f"v{v}" for v in vs) + " | satisfied by | evidence checks |",
             "|---|" + "---|" * len(vs) + "---|---|"]
    for rid in ids:
        checks = ", ".join(f"[{c}](#{c.lower()})" if c.startswith("AC") else f"[{c}](checks.md#{c.lower()})"
                           for c in REQUIREMENT_CHECKS.get(rid, ())) or "none (manual)"
        lines.append(f"| `{rid}` | " + " | ".join(levels[v].get(rid, "—") for v in vs) + f" | {_by(rid)} | {checks} |")
    return "\n".join(lines) + "\n"


def render(doc: str) -> str:
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}{END}{tail}"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(render(text), encoding="utf-8")
    else:
        sys.stdout.write(table())
