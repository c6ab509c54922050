"""docs/catalog.md, generated from the blueprints: one table row per component. Pure, plus a tiny CLI.

Regenerate with `python -m planner.catalog_doc > docs/catalog.md`; tests/unit/test_blueprints.py fails when
the committed file differs from what the blueprints produce.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.model import Blueprint, Catalog

HEADER = """# Component catalog

Generated from `blueprints/*.yaml` by `python -m planner.catalog_doc > docs/catalog.md`; do not edit by hand.
Each blueprint also lists its CRDs, workloads, webhooks, images, the upstream sources of every fact and what
could not be confirmed upstream (`unconfirmed`).

"""

COLUMNS = ("id", "layer", "chart", "version", "source", "namespace", "needs", "healthy means")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _chart(bp: Blueprint) -> str:
    if bp.source.kind == "kustomize":
        return "(kustomize)"
    return f"`{bp.source.chart}`"


def _source(bp: Blueprint) -> str:
    src = bp.source
    if src.kind == "kustomize":
        return f"kustomize `{src.location}?ref={src.ref}`"
    return f"{src.kind} `{src.location}`"


def _row(bp: Blueprint) -> str:
    cells = [
        f"`{bp.id}`",
        bp.layer,
        _chart(bp),
        f"`{bp.version}`",
        _source(bp),
        f"`{bp.namespace}`",
        ", ".join(f"`{n}`" for n in bp.needs) or "-",
        "<br>".join(bp.health) or "-",
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


VERIFIED = Path(__file__).resolve().parents[1] / "docs" / "verified-charts.json"


def verification_markdown(record: Mapping[str, Any]) -> str:
    """The section summarising the last `stackplan verify-charts` run against the real charts."""
    lines = [
        "",
        "## Verified against the real charts",
        "",
        f"`stackplan verify-charts` rendered every release of every profile and choice with the real helm "
        f"({record.get('helm', '?')}) from the upstream charts at the pinned versions, on {record.get('date', '?')} "
        f"({record.get('stacks', '?')} stack files, with and without `mirror.images`). Record: "
        "`docs/verified-charts.json`."
        + (f" Kustomize sources were rendered with the real kustomize ({record['kustomize']}) from copies of the "
           "upstream repositories at their refs, remote bases mapped to the local copies (docs/apply.md, "
           "Verifying kustomize sources offline)." if record.get("kustomize") else ""),
        "",
        "| release | chart | version | result | note |",
        "|---|---|---|---|---|",
    ]
    for row in record.get("charts", []):
        lines.append("| " + " | ".join(_cell(str(row.get(k, ""))) for k in ("release", "chart", "version", "result",
                                                                             "note")) + " |")
    return "\n".join(lines) + "\n"


def catalog_markdown(catalog: Catalog, verified: Mapping[str, Any] | None = None) -> str:
    """The whole docs/catalog.md text for a catalog, rows sorted by layer then id."""
    rows = [_row(bp) for bp in sorted(catalog.blueprints.values(), key=lambda b: (b.layer, b.id))]
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    if verified is None and VERIFIED.is_file():
        verified = json.loads(VERIFIED.read_text(encoding="utf-8"))
    tail = verification_markdown(verified) if verified else ""
    return HEADER + head + "\n".join(rows) + "\n" + tail


def main() -> None:
    from planner.catalog import load_catalog

    print(catalog_markdown(load_catalog(use_cache=False)), end="")


if __name__ == "__main__":
    main()
