"""PF007: the CRDs the plan installs are not already owned by another Helm release, nor served without the
version the plan needs.

Helm refuses to adopt an object that another release owns ("invalid ownership metadata ... annotation
validation error: key meta.helm.sh/release-name must equal ...": helm/helm:pkg/action/validate.go@v3.22.0
existingResourceConflict) — charts that template their CRDs (Kueue, KubeAI) fail to install. CRDs in a chart's
`crds/` directory are never upgraded (helm/helm docs topics/charts.md "Limitations on CRDs"): an older copy left
by another install stays, and objects at the storage version the plan needs are refused. Owners come from the
CRD's `meta.helm.sh/release-name`/`-namespace` annotations; versions from `.spec.versions[].name`, compared
with the blueprint's `crdVersions` (from the chart at the pinned version).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.kinds import CRDS
from planner.preflight.conflicts import RELEASE_NAME, RELEASE_NAMESPACE
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject


class CrdsNotOwnedElsewhere(Check):
    id = "PF007"
    title = "The plan's CRDs are not owned by another release and serve the versions it needs"
    severity = Severity.HIGH
    reads = (CRDS,)
    remediation = ("Uninstall the release that owns the CRD (keeping its custom resources only if you mean to), or "
                   "remove the component from stackplan.yaml and use the existing install.")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        out = []
        for rel in view.releases:
            for name in rel.crds:
                crd = view.get(CRDS, name)
                subject = Subject("CustomResourceDefinition", name)
                if crd is None:
                    continue
                a = k8s.meta(crd).get("annotations") or {}
                who, where = a.get(RELEASE_NAME), a.get(RELEASE_NAMESPACE)
                if who and (who, where) != (rel.id, rel.namespace):
                    out.append(self.failed(subject, f"CRD {name} is owned by Helm release {where}/{who}, not by "
                                           f"{rel.namespace}/{rel.id}",
                                           evidence=[f"{RELEASE_NAME}={who} {RELEASE_NAMESPACE}={where}"],
                                           component=rel.component))
                    continue
                storage = (rel.crd_versions.get(name) or {}).get("storage")
                served = [v.get("name") for v in (crd.get("spec") or {}).get("versions") or []]
                if storage and storage not in served:
                    out.append(self.failed(subject, f"CRD {name} exists without version {storage}, which "
                                           f"{rel.component} {rel.version} stores (it serves {', '.join(served)})",
                                           evidence=[f".spec.versions[].name={served}", f"owner: {who or 'none'}"],
                                           component=rel.component))
                    continue
                out.append(self.passed(subject, f"CRD {name} exists and can be used by {rel.id}",
                                       evidence=[f"owner: {who or 'no Helm release'}"], component=rel.component))
        return out
