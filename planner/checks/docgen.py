"""The check catalog in docs/checks.md, generated from the registry (`python -m planner.checks.docgen --write`).

A test fails when the generated block and the file differ, so the docs cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from planner.checks.registry import CHECKS

BEGIN = "<!-- BEGIN GENERATED CHECKS (python -m planner.checks.docgen --write) -->"
END = "<!-- END GENERATED CHECKS -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def catalog_markdown() -> str:
    """One table row per check, then one section per check with what it reads and its upstream sources."""
    rows = ["| id | healthy state | components | reads | severity |", "|---|---|---|---|---|"]
    sections = []
    for cid, check in CHECKS.items():
        comps = ", ".join(check.components) or "every plan"
        reads = ", ".join(k.kind for k in check.reads) or getattr(check, "reads_note", "")
        rows.append(f"| [{cid}](#{cid.lower()}) | {_cell(check.title)} | {comps} | {reads} | {check.severity.value} |")
        module = inspect.getmodule(type(check))
        doc = inspect.getdoc(module) or ""
        if doc.startswith(cid):
            doc = doc.split(":", 1)[1].strip()
            doc = doc[:1].upper() + doc[1:]
        path = f"planner/checks/{module.__name__.rsplit('.', 1)[1]}.py"
        sections.append(
            f"### {cid}\n\n**{check.title}** — `{path}`, components: {comps}.\n\n"
            f"{doc}\n\n"
            f"- Reads (one cluster-wide LIST each, shared): {reads}\n"
            f"- Remediation: {_cell(check.remediation)}\n")
    return "\n".join([BEGIN, "", *rows, "", *sections, _causes(), _preflight(), END])


def _module_doc(obj: object, prefix: str) -> tuple[str, str]:
    module = inspect.getmodule(type(obj))
    doc = inspect.getdoc(module) or ""
    if doc.startswith(prefix):
        doc = doc.split(":", 1)[1].strip()
        doc = doc[:1].upper() + doc[1:]
    return doc, f"{module.__name__.replace('.', '/')}.py"


def _causes() -> str:
    """The cause rules (planner/causes/registry.py), in the order the linker applies them."""
    from planner.causes.registry import RULES

    rows = ["### Cause rules", "", "Applied in this order; a finding joins the first cause that claims it.", "",
            "| rule | recognises | confidence | upstream source |", "|---|---|---|---|"]
    sections = []
    for r in RULES:
        rows.append(f"| [{r.id}](#{r.id.lower()}) | {_cell(r.title)} | {r.confidence.value} | {_cell(r.source)} |")
        doc, path = _module_doc(r, r.id)
        sections.append(f"#### {r.id}\n\n**{r.title}** — `{path}`.\n\n{doc}\n")
    return "\n".join([*rows, "", *sections])


def _preflight() -> str:
    """The preflight checks (planner/preflight/registry.py)."""
    from planner.preflight.registry import PREFLIGHT

    rows = ["### Preflight checks", "", "| id | ready state | reads | severity |", "|---|---|---|---|"]
    sections = []
    for cid, check in PREFLIGHT.items():
        reads = ", ".join(k.kind for k in check.reads) or getattr(check, "reads_note", "")
        rows.append(f"| [{cid}](#{cid.lower()}) | {_cell(check.title)} | {reads} | {check.severity.value} |")
        doc, path = _module_doc(check, cid)
        sections.append(f"#### {cid}\n\n**{check.title}** — `{path}`.\n\n{doc}\n\n"
                        f"- Reads: {reads}\n- Remediation: {_cell(check.remediation)}\n")
    return "\n".join([*rows, "", *sections])


def current_block(text: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END


def main(argv: list[str]) -> int:
    text = DOC.read_text() if DOC.exists() else f"# Health checks\n\n{BEGIN}\n{END}\n"
    block = current_block(text)
    new = catalog_markdown()
    if "--write" in argv:
        DOC.write_text(text.replace(block, new) if block else text + "\n" + new + "\n")
        return 0
    print(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
