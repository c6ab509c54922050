"""RC003: an admission webhook without ready endpoints explains the objects it guards failing to exist.

Root: HC003 FAILED (its Service is missing or has no ready endpoints). With failurePolicy Fail the API
server rejects every create or update the webhook intercepts ("failed calling webhook ... no endpoints
available for service": kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/
errors/statuserror.go@v1.35). Members: findings of an object that does not exist (fact `exists=false`)
whose kind is in the webhook's rules (fact `guards`). With failurePolicy Ignore the objects are created
unchecked, so nothing is linked.
"""

from __future__ import annotations

from planner.causes.base import Indexed, Link, Rule, failed
from planner.report import Confidence


class WebhookUnserved(Rule):
    id = "RC003"
    title = "An admission webhook has no ready endpoints"
    source = ("kubernetes/api:admissionregistration/v1 ValidatingWebhook.failurePolicy, rules (k8s.io/api v0.35); "
              "k8s.io/apiserver pkg/admission/plugin/webhook/errors/statuserror.go@v1.35")
    confidence = Confidence.HIGH

    def link(self, problems: Indexed) -> list[Link]:
        out = []
        for fid, f in problems:
            if not failed(f, "HC003") or f.fact("failurePolicy") != "Fail":
                continue
            guards = set((f.fact("guards") or "").split(",")) - {""}
            members = tuple(i for i, g in problems if i != fid and g.fact("exists") == "false"
                            and g.subject.kind in guards)
            out.append(Link(fid, members, f"webhook {f.subject.name} cannot be served, so the "
                            f"{', '.join(sorted(guards)) or 'objects'} it guards are rejected", self.confidence))
        return out
