"""PF004: every prerequisite the blueprints declare (`Plan.prerequisites`) exists, looked up by name.

Secrets are looked up as metadata only — a PartialObjectMetadataList filtered by `metadata.name` — so their
data is never requested (planner/cluster.py list_metadata); the keys a Secret must hold cannot be verified
that way and are listed as unverified. Other kinds are found in the cluster-wide lists preflight reads.
Each prerequisite names its upstream source and fix (planner/preflight/prerequisites.py).
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.cluster import ReadError
from planner.kinds import CATALOG, PREFLIGHT_EXTRA_KINDS, SECRETS
from planner.preflight.prerequisites import Prerequisite, declared
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject


class PrerequisitesExist(Check):
    id = "PF004"
    title = "The prerequisites the components need exist before install"
    severity = Severity.HIGH
    reads = ()
    reads_note = "Secret metadata only (by name), and the kinds the prerequisites name"
    remediation = "Create it as the prerequisite's fix says, then run preflight again."

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        out = []
        for p in declared(view.plan):
            if p.component not in view.components:
                continue
            out.append(self._one(view, p))
        return out

    def _one(self, view: PreflightView, p: Prerequisite) -> Finding:
        subject = Subject(p.kind, p.name, p.namespace)
        evidence = [f"declared by {p.component}: {p.why} ({p.source})"]
        where = f"{p.namespace}/{p.name}" if p.namespace else p.name
        if p.kind == "Secret":
            lister = getattr(view.reader, "list_metadata", None)
            if lister is None or not p.namespace:
                return self.unknown(subject, f"cannot look up Secret {where} by name", component=p.component)
            try:
                found = bool(lister(SECRETS, p.namespace, field_selector=f"metadata.name={p.name}"))
            except ReadError as e:
                return self.unknown(subject, f"Secret {where}: {e.reason}", evidence=evidence, component=p.component)
            if found and p.keys:
                evidence.append(f"keys {', '.join(p.keys)} not verified: that would need the Secret's data, "
                                "which preflight never reads")
        else:
            kind = next((k for k in (*CATALOG, *PREFLIGHT_EXTRA_KINDS) if k.kind == p.kind), None)
            if kind is None:
                return self.unknown(subject, f"stackplan cannot look up kind {p.kind}", evidence=evidence,
                                    component=p.component)
            found = view.get(kind, p.name, p.namespace) is not None
        if found:
            return self.passed(subject, f"{p.kind} {where} exists", evidence=evidence, component=p.component)
        return self.failed(subject, f"{p.kind} {where} does not exist: {p.why}", evidence=evidence,
                           remediation=p.fix or self.remediation, component=p.component,
                           facts={"exists": "false"})
