"""HC041: cert-manager Certificates are Ready (KServe's webhook certificate `serving-cert` among them).

Condition `Ready`, message "Certificate is up to date and has not expired" when issued
(cert-manager/cert-manager:pkg/apis/certmanager/v1/types_certificate.go@v1.21.1, CertificateConditionReady).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import CERTIFICATES
from planner.report import Finding, Severity


class CertificatesReady(Check):
    id = "HC041"
    title = "cert-manager Certificates are ready"
    components = ("cert-manager", "kserve")
    severity = Severity.HIGH
    reads = (CERTIFICATES,)
    remediation = ("kubectl -n NS describe certificate NAME and its CertificateRequest: the Issuer must exist and be "
                   "Ready; the cert-manager webhook must be up (HC003).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        certs, out = view.list(CERTIFICATES), []
        for cert in certs:
            if not k8s.is_true(cert, "Ready"):
                issuer = ((cert.get("spec") or {}).get("issuerRef") or {}).get("name")
                out.append(self.failed(k8s.subject(cert), f"Certificate {k8s.namespace(cert)}/{k8s.name(cert)} is "
                                       "not ready", evidence=[k8s.describe_condition(cert, "Ready"),
                                                              f".spec.issuerRef.name={issuer}"],
                                       sensitive=view.sensitive(cert)))
        if not out:
            out.append(self.passed(self.scope("Certificates"), f"{len(certs)} Certificate(s) ready"))
        return out
