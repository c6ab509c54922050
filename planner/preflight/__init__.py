"""`stackplan preflight`: everything that can be answered before installing the plan, in seconds.

One GET /version, one LIST per kind the checks read (in parallel, shared), and Secret metadata by name for
the prerequisites; read-only, never a Secret's data. The result is a Report of kind `preflight` with the
same outputs and exit codes as `check`. Checks: planner/preflight/registry.py (docs/checks.md, Preflight).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from planner.cluster import Reader
from planner.model import Blueprint, Plan
from planner.report import Report

__all__ = ["run_preflight"]


def run_preflight(plan: Plan, reader: Reader, *, version: Mapping[str, Any], blueprints: Mapping[str, Blueprint],
                  check_ids: Iterable[str] | None = None) -> Report:
    """Run the preflight checks for `plan` against the cluster behind `reader` (already pinged: `version`)."""
    from planner.checks.runner import evaluate
    from planner.preflight.registry import PREFLIGHT, kinds_read
    from planner.preflight.view import PreflightView
    from planner.secrets import redact_text

    started = time.perf_counter()
    prefetch = getattr(reader, "prefetch", None)
    if prefetch is not None:
        prefetch(kinds_read())
    view = PreflightView(plan, reader, version=version, blueprints=blueprints)
    checks = [PREFLIGHT[i] for i in check_ids] if check_ids else list(PREFLIGHT.values())
    findings = [f for c in checks for f in evaluate(c, view)]
    findings = [replace(f, message=redact_text(f.message), evidence=tuple(map(redact_text, f.evidence)))
                for f in findings]
    meta: dict[str, Any] = {"profile": plan.profile, "components": sorted(view.components), "checks": len(checks),
                            "seconds": round(time.perf_counter() - started, 3)}
    for attr in ("server", "context"):
        if getattr(reader, attr, None):
            meta[attr] = getattr(reader, attr)
    stats = getattr(reader, "stats", None)
    if callable(stats):
        meta["api"] = dict(stats())
    return Report(kind="preflight", findings=tuple(findings), meta=meta)
