"""PF001: the API server answers and its Kubernetes version is in every component's documented range.

The server's version is GET /version (`gitVersion`, k8s.io/apimachinery pkg/version/types.go Info). Each
component's range is its blueprint's `kubernetes: {min, max}`, taken from upstream install docs (cited in the
blueprint's `sources`). Below a minimum is critical; above a documented maximum is a warning-level failure,
since upstream ranges lag Kubernetes releases. A stack file that names another `cluster.kubernetesVersion` is
reported too: the plan was resolved (knobs, ranges) for a different cluster.
"""

from __future__ import annotations

from planner.checks.base import Check
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject
from planner.resolve import minor


class KubernetesVersionInRange(Check):
    id = "PF001"
    title = "The cluster's Kubernetes version is in every component's supported range"
    severity = Severity.CRITICAL
    reads = ()
    reads_note = "GET /version"
    remediation = ("Upgrade the cluster, or pin a component version that supports it (blueprints/<id>.yaml "
                   "`kubernetes:`); set cluster.kubernetesVersion in stackplan.yaml to the cluster's version.")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        have = view.server_minor()
        git = view.version.get("gitVersion", "?")
        subject = Subject("Cluster", str(git))
        if have is None:
            return [self.unknown(subject, f"the API server's version `{git}` cannot be parsed")]
        text = f"{have[0]}.{have[1]}"
        out: list[Finding] = []
        declared = view.plan.kubernetes_version
        if declared and minor(declared) != have:
            out.append(self.failed(subject, f"stackplan.yaml says Kubernetes {declared}, the cluster runs {git}",
                                   evidence=[f"GET /version gitVersion={git}",
                                             f"plan kubernetesVersion={declared}"], severity=Severity.MEDIUM,
                                   remediation=f"set cluster.kubernetesVersion: \"{text}\" in stackplan.yaml "
                                               "and plan again"))
        for rel in view.releases:
            bp = view.blueprint(rel.component)
            if bp is None:
                continue
            where = f"blueprints/{bp.id}.yaml kubernetes: {{min: {bp.kube_min}, max: {bp.kube_max}}}"
            rs = Subject("Release", rel.id, rel.namespace)
            if bp.kube_min and have < minor(bp.kube_min):
                out.append(self.failed(rs, f"{rel.component} {bp.version} needs Kubernetes >= {bp.kube_min}; the "
                                       f"cluster runs {git}", evidence=[where, f"GET /version gitVersion={git}"],
                                       component=rel.component))
            elif bp.kube_max and have > minor(bp.kube_max):
                out.append(self.failed(rs, f"{rel.component} {bp.version} documents Kubernetes up to {bp.kube_max}; "
                                       f"the cluster runs {git}", evidence=[where, f"GET /version gitVersion={git}"],
                                       severity=Severity.LOW, component=rel.component,
                                       remediation="upstream ranges lag releases: read the component's release "
                                                   "notes for this Kubernetes version before installing"))
        if not out:
            out.append(self.passed(subject, f"Kubernetes {git} is in every component's range",
                                   evidence=[f"GET /version gitVersion={git}"]))
        return out
