"""RC001: a component that is not installed explains the problems of the components that need it, and any
problem of its own that HC009 did not fold in.

Root: HC009 FAILED (none of the CRDs and workloads the release declares exists; its own missing CRDs,
workloads and webhooks are already folded into that finding, planner/checks/fold.py). Members: problems of
the components whose release `needs` it (fact `neededBy`, from the plan: blueprints' `needs`, each citing why
upstream — e.g. KServe needs cert-manager for its webhook certificate) and the component's own unfolded
problems. The objects come from the blueprint, which cites the chart they are rendered from.
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
            dependents = set((f.fact("neededBy") or "").split(",")) - {""}
            members = tuple(i for i, g in problems if i != fid and g.component is not None
                            and (g.component == f.component or g.component in dependents))
            title = f"component {f.component} is not installed" + (
                f" (needed by {', '.join(sorted(dependents))})" if dependents else "")
            out.append(Link(fid, members, title, self.confidence))
        return out
