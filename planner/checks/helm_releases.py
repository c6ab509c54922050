"""HC090: the newest Helm revision of every release of the plan is deployed (not failed, not stuck pending).

A revision that failed halfway — a webhook rejecting an object, `--wait` timing out — leaves the objects it
managed to create, so the component's Deployment can exist and look healthy while Helm records `failed`
(helm/helm:pkg/action/install.go, upgrade.go@v3.22.0 failRelease). Status comes from the labels Helm puts on
its release Secrets — `name`, `owner=helm`, `status`, `version` (pkg/storage/driver/secrets.go@v3.22.0;
statuses pkg/release/status.go@v3.22.0) — listed as metadata only (PartialObjectMetadataList): check never
reads a Secret's data. Kustomize releases have no Helm record and are not checked here.
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.helm_status import FAILED
from planner.report import Finding, Severity, Subject


class HelmReleasesDeployed(Check):
    id = "HC090"
    title = "The plan's Helm releases are deployed (newest revision not failed or pending)"
    severity = Severity.HIGH
    reads = ()  # Helm's release Secrets, metadata only, per plan namespace (ClusterView.helm_releases)
    reads_note = "Secret metadata only (labels owner=helm), in the plan's namespaces"
    remediation = ("`helm history NAME -n NS` shows the failed revision and why; fix the cause and re-run "
                   "`stackplan apply` (helm upgrade), or `helm rollback NAME -n NS` to the last deployed revision.")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        statuses = view.helm_releases()
        if statuses is None:
            return []
        out = []
        for rel in view.releases:
            if rel.source.kind == "kustomize":
                continue
            st = statuses.get((rel.namespace, rel.id))
            if st is None:
                continue  # no Helm record: never installed with Helm (HC009 looks at its objects)
            subject = Subject("Release", rel.id, rel.namespace)
            evidence = [f"Secret/{rel.namespace}/{st.record} labels status={st.status} version={st.version} "
                        "(metadata only)"]
            facts = {"status": st.status, "version": str(st.version), "release": rel.id}
            if st.broken:
                how = "failed" if st.status == FAILED else f"stuck {st.status} (an install may still be running, " \
                                                          "or was interrupted)"
                out.append(self.failed(subject, f"Helm release {rel.id} revision {st.version} is {how}",
                                       evidence=evidence, component=rel.component, facts=facts))
            else:
                out.append(self.passed(subject, f"Helm release {rel.id} revision {st.version} is {st.status}",
                                       evidence=evidence, component=rel.component, facts=facts))
        return out
