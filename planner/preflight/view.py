"""PreflightView: what a preflight check sees — the ClusterView (plan, one LIST per kind, GPU nodes) plus the
API server's version and the catalog's blueprints (Kubernetes ranges, conflicts, namespace labels)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from planner.checks.view import ClusterView
from planner.cluster import Reader
from planner.model import Blueprint, Plan


class PreflightView(ClusterView):
    def __init__(self, plan: Plan, reader: Reader, *, version: Mapping[str, Any],
                 blueprints: Mapping[str, Blueprint], now: datetime | None = None) -> None:
        super().__init__(plan, reader, now=now)
        self.version = dict(version)  # GET /version: gitVersion, major, minor
        self.blueprints = blueprints

    def blueprint(self, component: str) -> Blueprint | None:
        return self.blueprints.get(component)

    def server_minor(self) -> tuple[int, int] | None:
        """(1, 35) from gitVersion `v1.35.2` (or major/minor, which some distributions suffix with `+`)."""
        import re

        m = re.match(r"v?(\d+)\.(\d+)", str(self.version.get("gitVersion") or ""))
        if m:
            return int(m.group(1)), int(m.group(2))
        try:
            return int(str(self.version["major"]).rstrip("+")), int(str(self.version["minor"]).rstrip("+"))
        except (KeyError, ValueError):
            return None
