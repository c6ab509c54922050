"""RC001: a component that is not installed explains every other problem of that component.

Root: HC009 FAILED (none of the CRDs and workloads the release declares exists). Members: every other
FAILED/UNKNOWN finding of the same component — its CRDs, workloads, webhooks, custom resources and pods
(those HC009 did not already fold in, planner/checks/fold.py). The objects come from the blueprint, which
cites the chart they are rendered from (blueprints/<id>.yaml `sources`).
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence


class ComponentAbsent(Rule):
    id = "RC001"
    title = "A component is not installed"
    source = "blueprints/<component>.yaml crds/workloads (each from the chart at the pinned version)"
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        out = []
        for fid, f in problems:
            if not failed(f, "HC009") or not f.component:
                continue
            members = tuple(i for i, g in problems if i != fid and g.component == f.component)
            out.append(Link(fid, members, f"component {f.component} is not installed", self.confidence))
        return out
