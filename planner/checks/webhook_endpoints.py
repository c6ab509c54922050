"""HC003: every admission webhook a component declares is registered and its Service has ready endpoints.

A webhook whose Service has no ready endpoints rejects (failurePolicy Fail) or silently skips (Ignore)
every matching API request. Fields: admissionregistration/v1 webhooks[].clientConfig.service and
failurePolicy; discovery/v1 EndpointSlice endpoints[].conditions.ready (k8s.io/api v0.35).
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import ENDPOINT_SLICES, MUTATING_WEBHOOKS, SERVICES, VALIDATING_WEBHOOKS
from planner.report import Finding, Severity, Subject


def guarded_kinds(cfg: dict) -> list[str]:
    """The kinds a webhook configuration intercepts (webhooks[].rules[].apiGroups/resources), by Kind name where
    the Kind catalog knows the resource, else as `plural.group`; `*` stands for every catalog kind of the group."""
    from planner.kinds import CATALOG

    out: set[str] = set()
    for hook in cfg.get("webhooks") or []:
        for rule in hook.get("rules") or []:
            for group in rule.get("apiGroups") or []:
                for resource in rule.get("resources") or []:
                    plural = resource.split("/", 1)[0]
                    known = [k.kind for k in CATALOG if (group == "*" or k.group == group)
                             and (plural == "*" or k.plural == plural)]
                    out.update(known or [f"{plural}.{group}" if group else plural])
    return sorted(out)


class WebhookEndpoints(Check):
    id = "HC003"
    title = "The components' admission webhooks have ready endpoints"
    severity = Severity.CRITICAL
    reads = (VALIDATING_WEBHOOKS, MUTATING_WEBHOOKS, SERVICES, ENDPOINT_SLICES)
    remediation = ("Make the webhook's Deployment available (it serves the webhook); if the component was removed, "
                   "delete its leftover webhook configurations, which otherwise block API requests.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out: list[Finding] = []
        for rel in view.releases:
            for cfg_name in rel.webhooks:
                found = [c for kind in (VALIDATING_WEBHOOKS, MUTATING_WEBHOOKS)
                         if (c := view.get(kind, cfg_name)) is not None]
                if not found:
                    out.append(self.failed(Subject("WebhookConfiguration", cfg_name),
                                           f"webhook configuration {cfg_name} of {rel.component} is not registered",
                                           evidence=[f"no Validating/MutatingWebhookConfiguration named {cfg_name}"],
                                           severity=Severity.HIGH, component=rel.component))
                for cfg in found:
                    out.append(self._one(view, cfg, rel.component))
        return out

    def _one(self, view: ClusterView, cfg: dict, component: str) -> Finding:
        subject = Subject(cfg.get("kind", "WebhookConfiguration"), cfg["metadata"]["name"])
        problems, evidence, fail_policy = [], [], False
        for hook in cfg.get("webhooks") or []:
            svc = (hook.get("clientConfig") or {}).get("service")
            if not svc:
                evidence.append(f"webhook {hook.get('name')} uses a URL; not checked")
                continue
            ns, name = svc.get("namespace"), svc.get("name")
            policy = hook.get("failurePolicy", "Fail")
            if view.get(SERVICES, name, ns) is None:
                problems.append(f"webhook {hook.get('name')}: Service {ns}/{name} does not exist "
                                f"(failurePolicy={policy})")
            elif (ready := view.ready_endpoints(ns, name)) == 0:
                problems.append(f"webhook {hook.get('name')}: Service {ns}/{name} has no ready endpoints "
                                f"(failurePolicy={policy})")
            else:
                evidence.append(f"webhook {hook.get('name')}: Service {ns}/{name} has {ready} ready endpoint(s)")
                continue
            fail_policy = fail_policy or policy == "Fail"
        if problems:
            sev = Severity.CRITICAL if fail_policy else Severity.MEDIUM
            return self.failed(subject, f"{subject.kind} {subject.name} cannot be served: {problems[0]}",
                               evidence=problems + evidence, severity=sev, component=component,
                               facts={"guards": ",".join(guarded_kinds(cfg)) or None,
                                      "failurePolicy": "Fail" if fail_policy else "Ignore"})
        return self.passed(subject, f"{subject.kind} {subject.name} is served", evidence=evidence, component=component)
