"""RC002: a Helm release whose newest revision failed or is still pending explains its component's problems.

Root: HC090 FAILED (Helm's release record says `failed`, `pending-install`, `pending-upgrade` or
`pending-rollback`: helm/helm:pkg/release/status.go@v3.22.0). A revision that failed halfway (a webhook
error, a `--wait` timeout) leaves some objects created and others not, so the component's missing or
unready workloads, webhooks, CRDs and pods are effects of it. Members: every other problem of that component.
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence


class ReleaseFailed(Rule):
    id = "RC002"
    title = "A Helm release failed or is stuck pending"
    source = "helm/helm:pkg/release/status.go@v3.22.0; pkg/storage/driver/secrets.go@v3.22.0 (labels)"
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        out = []
        for fid, f in problems:
            if not failed(f, "HC090") or not f.component:
                continue
            members = tuple(i for i, g in problems if i != fid and g.component == f.component)
            status = f.fact("status") or "failed"
            out.append(Link(fid, members, f"Helm release {f.subject.name} is {status} "
                            f"(revision {f.fact('version') or '?'})", self.confidence))
        return out
