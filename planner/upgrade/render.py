"""`stackplan upgrade` output: a table for people, JSON for tools (the same content)."""

from __future__ import annotations

import json

from planner.upgrade.plan import DECISION, HANDLED, UpgradePlan

CHOICES = ("table", "json")
_MARK = {DECISION: "DECIDE", HANDLED: "handled", "info": "read"}


def render(up: UpgradePlan, output: str) -> str:
    if output == "json":
        return json.dumps(up.to_dict(), indent=2) + "\n"
    lines = ["Releases:"]
    width = max((len(c.release) for c in up.changes), default=0)
    for c in up.changes:
        frm = c.installed or "-"
        lines.append(f"  {c.release:<{width}}  {frm} -> {c.target}  {c.action}")
    if up.hazards:
        lines += ["", "Hazards:"]
        for h in up.hazards:
            lines.append(f"  [{_MARK.get(h.severity, h.severity)}] {h.code} {h.release}: {h.message}")
            lines.append(f"      source: {h.source}")
    if up.backups:
        lines += ["", "Back up first:"]
        lines += [f"  - {b}" for b in up.backups]
    lines += ["", "Steps:"] if up.steps else ["", "Steps: none (everything is at its pinned version)"]
    for i, s in enumerate(up.steps, 1):
        lines.append(f"  {i}. [{s.action}] {s.description}")
        if s.crds:
            lines.append(f"      CRDs: {', '.join(s.crds)}")
        if s.objects:
            lines.append(f"      custom resources: {', '.join(s.objects)}")
    decisions = sum(h.severity == DECISION for h in up.hazards)
    lines += ["", "Safe: yes — every hazard has a step above." if up.safe else
              f"Safe: no — {decisions} hazard(s) marked DECIDE need a decision before upgrading."]
    return "\n".join(lines) + "\n"
