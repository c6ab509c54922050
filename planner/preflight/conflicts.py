"""PF006: no other install of a plan component (or of a component it conflicts with) is already running.

A second GPU Operator, Kueue or KubeAI fights the first over the same cluster-scoped objects (ClusterPolicy,
webhooks, CRDs, node labels); the GPU Operator's documentation says to disable its bundled NFD when NFD is
already deployed (NVIDIA/cloud-native-docs gpu-operator/getting-started.rst, "nfd.enabled"). Found by the
workloads the blueprints declare (Deployment and DaemonSet names from the charts, blueprints/<id>.yaml
`workloads`), in any namespace other than the plan's — and, for the blueprint's `conflicts` (e.g.
fake-gpu-operator against the GPU Operator), anywhere. Helm's `meta.helm.sh/release-name` and
`meta.helm.sh/release-namespace` annotations (helm/helm:pkg/action/validate.go@v3.22.0) name the other owner.
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.kinds import DAEMONSETS, DEPLOYMENTS
from planner.preflight.view import PreflightView
from planner.report import Finding, Severity, Subject

KINDS = {"Deployment": DEPLOYMENTS, "DaemonSet": DAEMONSETS}
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"


def owner(obj: dict) -> str:
    a = k8s.meta(obj).get("annotations") or {}
    if a.get(RELEASE_NAME):
        return f"Helm release {a.get(RELEASE_NAMESPACE, '?')}/{a[RELEASE_NAME]}"
    return "no Helm release (installed another way)"


class NoConflictingInstalls(Check):
    id = "PF006"
    title = "No other install of the plan's components (or conflicting ones) is running"
    severity = Severity.HIGH
    reads = (DEPLOYMENTS, DAEMONSETS)
    remediation = ("Uninstall the other install first, or remove the component from stackplan.yaml and keep the "
                   "existing one (`helm list -A` shows who installed it).")

    def evaluate(self, view: PreflightView) -> list[Finding]:  # type: ignore[override]
        out = []
        for rel in view.releases:
            bp = view.blueprint(rel.component)
            if bp is None:
                continue
            mine = {(w.kind, w.name) for w in bp.workloads}

            def ours(o: dict, rel=rel) -> bool:  # installed by this very release (a re-run, not a conflict)
                a = k8s.meta(o).get("annotations") or {}
                return (a.get(RELEASE_NAME), a.get(RELEASE_NAMESPACE)) == (rel.id, rel.namespace)

            found = []
            for w in bp.workloads:
                if w.optional or w.kind not in KINDS:
                    continue
                found += [(o, "another install") for o in view.list(KINDS[w.kind])
                          if k8s.name(o) == w.name and k8s.namespace(o) != (w.namespace or rel.namespace)
                          and not ours(o)]
            for other in bp.conflicts:
                obp = view.blueprint(other)
                if obp is None or other in view.components:
                    continue
                for w in obp.workloads:  # a name both charts use (gpu-operator) tells nothing: skipped
                    if not w.optional and w.kind in KINDS and (w.kind, w.name) not in mine:
                        found += [(o, f"{other}, which conflicts with {rel.component}")
                                  for o in view.list(KINDS[w.kind]) if k8s.name(o) == w.name and not ours(o)]
            subject = Subject("Release", rel.id, rel.namespace)
            if found:
                evidence = [f"{k8s.ref(o)}: {why}, owned by {owner(o)}" for o, why in found]
                o, why = found[0]
                out.append(self.failed(subject, f"{rel.component}: {why} is already running ({k8s.ref(o)})",
                                       evidence=evidence, component=rel.component,
                                       sensitive=tuple(k8s.namespace(o) or "" for o, _ in found)))
            else:
                out.append(self.passed(subject, f"no other install of {rel.component}", component=rel.component))
        return out
