"""PF008: no namespace of the plan enforces a Pod Security level stricter than its components need.

The GPU Operator's operands run privileged, so its namespace must enforce `privileged` (blueprint
`namespaceLabels`, from NVIDIA/cloud-native-docs gpu-operator/getting-started.rst "Pod Security Admission").
A namespace that already exists with `pod-security.kubernetes.io/enforce: baseline` or `restricted`
(kubernetes/website content/en/docs/concepts/security/pod-security-admission.md) rejects those pods: the
DaemonSets never get pods and `helm --wait` times out. Namespaces that do not exist yet are created by
`stackplan apply` / the Pulumi program with the right labels. (A cluster-wide default in the API server's
admission configuration cannot be read through the API and is not checked.)
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.kinds import NAMESPACES
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject

ENFORCE = "pod-security.kubernetes.io/enforce"
LEVELS = ("privileged", "baseline", "restricted")  # least restrictive first


class PodSecurityAllowsComponents(Check):
    id = "PF008"
    title = "Existing namespaces' Pod Security levels allow the components installed there"
    severity = Severity.HIGH
    reads = (NAMESPACES,)
    remediation = "kubectl label namespace NAME pod-security.kubernetes.io/enforce=privileged --overwrite"

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        out = []
        for rel in view.releases:
            need = rel.namespace_labels.get(ENFORCE)
            if need not in LEVELS:
                continue
            ns = view.get(NAMESPACES, rel.namespace)
            subject = Subject("Namespace", rel.namespace)
            if ns is None:
                out.append(self.passed(subject, f"namespace {rel.namespace} does not exist yet: it is created "
                                       f"with {ENFORCE}={need}", component=rel.component))
                continue
            have = (k8s.meta(ns).get("labels") or {}).get(ENFORCE)
            evidence = [f"Namespace/{rel.namespace} label {ENFORCE}={have}", f"{rel.component} needs {need}"]
            if have in LEVELS and LEVELS.index(have) > LEVELS.index(need):
                out.append(self.failed(subject, f"namespace {rel.namespace} enforces Pod Security `{have}`; "
                                       f"{rel.component} needs `{need}`", evidence=evidence,
                                       component=rel.component))
            else:
                out.append(self.passed(subject, f"namespace {rel.namespace} allows {rel.component}",
                                       evidence=evidence, component=rel.component))
        return out
