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


UPGRADES_HEAD = """
## Upgrade facts

What moving each component to its pin needs (`upgrades:` in its blueprint, read by `stackplan upgrade`;
docs/upgrade.md explains the codes and the order). Per component: the Kubernetes range of the pin, then the
facts per version step — *every upgrade* holds for any move to the pin, *since X* for a move that crosses X.
The same order applies to `pulumi up` (docs/pulumi.md, "Upgrading"). Components without facts are left out.

"""


def _fact_line(f: Any) -> str:
    """One upgrade fact (planner.upgrade.facts.UpgradeFact) as a list item: what, then its source."""
    crds = ", ".join(f"`{c}`" for c in f.crds)
    what = {
        "crds": (f"CRD handling: the chart's `crds/` folder, which `helm upgrade` never upgrades — a server-side "
                 f"apply step first ({crds})" + (f"; the `{f.hook}` hook applies only some" if f.hook else "")
                 if f.handling == "crds-folder" else "CRD handling: chart templates, upgraded by `helm upgrade`"),
        "newCrds": f"new CRDs, created by the server-side apply step: {crds}",
        "storageVersion": (f"storage migration {f.old} -> {f.new} of {crds}, right after the release "
                           f"({f.migration})" + (f"; {f.old} removed in {f.removed_in}" if f.removed_in else
                                                 f"; the release that stops serving {f.old} is not known")),
        "conversionWebhook": f"conversion webhook (Service `{f.service}`) for {crds}",
        "before": f"ordering: upgraded before `{f.other}`",
        "requires": (f"ordering: needs `{f.other}` >= {f.version}" + (" when the plan has it" if f.if_present else "")
                     + ("; upgraded after it" if f.upgrade_first else "; both move in the same window")),
        "value": (f"value: `{f.path}`" + (f" renamed to `{f.renamed_to}`" if f.renamed_to else "")
                  + (f" `{f.old_value}` -> `{f.new_value}`" if f.new_value is not None else "")),
        "chartRename": f"chart renamed from `{f.old}`",
        "via": f"stop at {f.since} on the way from an older release to a later one",
        "crdAdoption": f"CRD handling: {crds} move from `crds/` to templates — an adopt step hands them to Helm first",
        "note": "read first",
    }.get(f.kind, f.kind)
    return _cell(f"- {what}: {f.note} (source: {' '.join(f.source.split())})")


def upgrades_markdown(catalog: Catalog) -> str:
    """The generated `## Upgrade facts` section: per component and version step."""
    from planner.upgrade.facts import facts_of

    lines = [UPGRADES_HEAD.rstrip("\n"), ""]
    for bp in sorted(catalog.blueprints.values(), key=lambda b: b.id):
        facts = facts_of(bp)
        if not facts and not bp.upgrades_unconfirmed:
            continue
        kube = (f"Kubernetes {bp.kube_min or 'any'} to {bp.kube_max or 'any newer'}" if bp.kube_min or bp.kube_max
                else "Kubernetes range: none documented in the blueprint")
        lines += [f"### `{bp.id}` {bp.version}", "", f"{kube}.", ""]
        steps = sorted({f.since for f in facts if f.since}, key=_version_key)
        for label, group in [("every upgrade", [f for f in facts if f.since is None])] + [
                (f"since {s}", [f for f in facts if f.since == s]) for s in steps]:
            if group:
                lines += [f"*{label}*", ""] + [_fact_line(f) for f in group] + [""]
        if bp.upgrades_unconfirmed:
            lines += ["*not confirmed upstream*", ""] + [_cell(f"- {u}") for u in bp.upgrades_unconfirmed] + [""]
    return "\n".join(lines)


def _version_key(v: str) -> tuple:
    from planner.upgrade.facts import parse

    return parse(v) or (0, 0, 0, (0, v))


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
    return HEADER + head + "\n".join(rows) + "\n" + upgrades_markdown(catalog) + tail


def main() -> None:
    from planner.catalog import load_catalog

    print(catalog_markdown(load_catalog(use_cache=False)), end="")


if __name__ == "__main__":
    main()
