"""AC003 (gang_scheduling): a gang of pods was admitted all-or-nothing by Kueue or Volcano.
AC006 (pod_autoscaling): HPA on accelerator pods with custom metrics.
AC007 (cluster_autoscaling): a node autoscaler is present (N/A when the platform has none).

Kueue Workload `spec.podSets[].count`, `status.admission.podSetAssignments[].count`, condition `Admitted`
(kubernetes-sigs/kueue:apis/kueue/v1beta2/workload_types.go@v0.19.2). Volcano PodGroup `spec.minMember`,
`status.phase`, `status.running` (volcano-sh/volcano:staging/src/volcano.sh/apis/pkg/apis/scheduling/v1beta1/
types.go). HPA `spec.metrics[].type` Resource | Pods | Object | External | ContainerResource and condition
`ScalingActive` (k8s.io/api autoscaling/v2 v0.35). APIService `v1beta1.custom.metrics.k8s.io`
(kubernetes-sigs/custom-metrics-apiserver). Karpenter NodePool CRD `nodepools.karpenter.sh` (kubernetes-sigs/karpenter).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.view import GPU_RESOURCE, ClusterView, Obj
from planner.conformance.checks.base import ConformanceCheck
from planner.conformance.checks.networking import crd_established
from planner.kinds import APISERVICES, CRDS, DEPLOYMENTS, HPAS, KUEUE_WORKLOADS, POD_GROUPS, PODS
from planner.report import Finding, Severity, Subject

KUEUE_CRD = "workloads.kueue.x-k8s.io"
VOLCANO_CRD = "podgroups.scheduling.volcano.sh"
CUSTOM_METRICS_API = "v1beta1.custom.metrics.k8s.io"
KARPENTER_CRD = "nodepools.karpenter.sh"
AUTOSCALER_NAME = "cluster-autoscaler"


def _kueue_gang(wl: Obj) -> tuple[int, str | None]:
    """(pods in the gang, None when admitted whole | the reason it is not all-or-nothing | '' not admitted)."""
    pod_sets = (wl.get("spec") or {}).get("podSets") or []
    total = sum(int(p.get("count", 1)) for p in pod_sets)
    admission = (wl.get("status") or {}).get("admission")
    if not (k8s.is_true(wl, "Admitted") and admission):
        return total, ""
    assigned = {a.get("name"): a for a in admission.get("podSetAssignments") or []}
    for p in pod_sets:
        a = assigned.get(p.get("name"))
        if a is None:
            return total, f"pod set {p.get('name')} has no assignment"
        if "count" in a and int(a["count"]) < int(p.get("count", 1)):
            return total, f"pod set {p.get('name')} admitted {a['count']} of {p.get('count', 1)} pods"
    return total, None


class GangAdmittedAllOrNothing(ConformanceCheck):
    id = "AC003"
    requirement = "gang_scheduling"
    title = "A gang of pods was admitted all-or-nothing by Kueue or Volcano"
    severity = Severity.HIGH
    reads = (CRDS, KUEUE_WORKLOADS, POD_GROUPS)
    remediation = ("Install Kueue or Volcano and run a multi-pod job through it (docs/conformance.md has one); "
                   "for Kueue, turn partial admission off for gangs (no podSets[].minCount).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        kueue, volcano = crd_established(view, KUEUE_CRD), crd_established(view, VOLCANO_CRD)
        if not (kueue or volcano):
            return [self.failed(self.scope("gang schedulers"), "neither Kueue nor Volcano is installed",
                                evidence=[f"CustomResourceDefinition/{KUEUE_CRD} and /{VOLCANO_CRD} not established"])]
        installed = [n for n, on in (("Kueue", kueue), ("Volcano", volcano)) if on]
        out = [self.passed(self.scope("gang schedulers"), f"{' and '.join(installed)} installed",
                           evidence=[f"CustomResourceDefinition/{c} Established"
                                     for c, on in ((KUEUE_CRD, kueue), (VOLCANO_CRD, volcano)) if on])]
        gangs = 0
        if kueue:
            for wl in view.list(KUEUE_WORKLOADS):
                total, problem = _kueue_gang(wl)
                if total < 2 or problem == "":
                    continue
                gangs += 1
                if problem is None:
                    out.append(self.passed(k8s.subject(wl), f"Kueue admitted all {total} pods of "
                                           f"{k8s.namespace(wl)}/{k8s.name(wl)} together",
                                           evidence=[k8s.describe_condition(wl, "Admitted")],
                                           sensitive=view.sensitive(wl)))
                else:
                    out.append(self.failed(k8s.subject(wl), f"Kueue admitted {k8s.namespace(wl)}/{k8s.name(wl)} "
                                           f"partially: {problem}", evidence=[k8s.describe_condition(wl, "Admitted")],
                                           sensitive=view.sensitive(wl)))
        if volcano:
            for pg in view.list(POD_GROUPS):
                spec, st = pg.get("spec") or {}, pg.get("status") or {}
                want, running = int(spec.get("minMember", 1)), int(st.get("running", 0))
                if want < 2:
                    continue
                evidence = [f"{k8s.ref(pg)} .spec.minMember={want} .status.phase={st.get('phase')} "
                            f".status.running={running}"]
                if running >= want:
                    gangs += 1
                    out.append(self.passed(k8s.subject(pg), f"Volcano started {running} of minMember {want} pods of "
                                           f"{k8s.namespace(pg)}/{k8s.name(pg)} together", evidence=evidence,
                                           sensitive=view.sensitive(pg)))
                elif running > 0:
                    gangs += 1
                    out.append(self.failed(k8s.subject(pg), f"PodGroup {k8s.namespace(pg)}/{k8s.name(pg)} runs "
                                           f"{running} of minMember {want} pods (a partial gang)", evidence=evidence,
                                           sensitive=view.sensitive(pg)))
        if not gangs:
            out.append(self.failed(self.scope("gang workloads"), "no multi-pod workload has been admitted through "
                                   f"{' or '.join(installed)} yet: nothing shows all-or-nothing admission",
                                   evidence=["no admitted Workload / running PodGroup with 2 or more pods"],
                                   severity=Severity.MEDIUM))
        return out


def _custom_metrics(hpa: Obj) -> list[str]:
    return [m.get("type", "") for m in (hpa.get("spec") or {}).get("metrics") or [] if m.get("type") != "Resource"]


class CustomMetricsAutoscaling(ConformanceCheck):
    id = "AC006"
    requirement = "pod_autoscaling"
    title = "HorizontalPodAutoscalers can scale accelerator pods on custom metrics"
    severity = Severity.HIGH
    reads = (APISERVICES, HPAS, DEPLOYMENTS, PODS)
    remediation = ("Serve custom.metrics.k8s.io with an adapter (prometheus-adapter or KEDA) over Prometheus, then "
                   "scale a GPU Deployment with an HPA on a Pods/Object/External metric (docs/conformance.md).")

    def evaluate(self, view: ClusterView) -> list[Finding]:
        api = view.get(APISERVICES, CUSTOM_METRICS_API)
        out: list[Finding] = []
        if api is not None and k8s.is_true(api, "Available"):
            out.append(self.passed(Subject("APIService", CUSTOM_METRICS_API), "the custom metrics API is served",
                                   evidence=[k8s.describe_condition(api, "Available")]))
        else:
            state = "missing" if api is None else k8s.describe_condition(api, "Available")
            out.append(self.failed(Subject("APIService", CUSTOM_METRICS_API), "the custom metrics API is not served",
                                   evidence=[f"APIService/{CUSTOM_METRICS_API} {state}"]))
        scaling = []
        for hpa in view.list(HPAS):
            types = _custom_metrics(hpa)
            target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            if not types or target.get("kind") != "Deployment":
                continue
            dep = view.get(DEPLOYMENTS, target.get("name", ""), k8s.namespace(hpa))
            if dep is None or not any(k8s.requests_resource(p, GPU_RESOURCE) for p in view.pods_selected_by(dep)):
                continue
            scaling.append(hpa)
            ev = [f"{k8s.ref(hpa)} metrics={','.join(types)} target=Deployment/{target.get('name')} (GPU pods)",
                  k8s.describe_condition(hpa, "ScalingActive")]
            if k8s.is_true(hpa, "ScalingActive"):
                out.append(self.passed(k8s.subject(hpa), f"HPA {k8s.namespace(hpa)}/{k8s.name(hpa)} scales GPU pods "
                                       "on custom metrics", evidence=ev, sensitive=view.sensitive(hpa)))
            else:
                out.append(self.failed(k8s.subject(hpa), f"HPA {k8s.namespace(hpa)}/{k8s.name(hpa)} cannot read its "
                                       "custom metric", evidence=ev, sensitive=view.sensitive(hpa)))
        if not scaling:
            out.append(self.failed(self.scope("HorizontalPodAutoscalers"), "no HPA scales a GPU Deployment on a "
                                   "custom metric yet", evidence=["no autoscaling/v2 HPA with a Pods/Object/External "
                                                                  "metric targets a Deployment whose pods request "
                                                                  f"{GPU_RESOURCE}"], severity=Severity.MEDIUM))
        return out


class ClusterAutoscalerPresent(ConformanceCheck):
    id = "AC007"
    requirement = "cluster_autoscaling"
    title = "The cluster's node autoscaler, if any, is running"
    severity = Severity.MEDIUM
    reads = (CRDS, DEPLOYMENTS)
    remediation = "Make the node autoscaler's Deployment available; give it a node group of GPU nodes."

    def evaluate(self, view: ClusterView) -> list[Finding]:
        found = [d for d in view.list(DEPLOYMENTS) if AUTOSCALER_NAME in k8s.name(d) or k8s.name(d) == "karpenter"]
        karpenter = crd_established(view, KARPENTER_CRD)
        if not found and not karpenter:
            return [self.not_applicable("no cluster autoscaler (Deployment *cluster-autoscaler*, Karpenter) found: "
                                        "N/A if the platform provides none",
                                        evidence=[f"no Deployment named *{AUTOSCALER_NAME}* or karpenter; "
                                                  f"CustomResourceDefinition/{KARPENTER_CRD} absent"])]
        out = []
        for d in found:
            ok, ev = k8s.workload_status(d)
            f = self.passed if ok else self.failed
            out.append(f(k8s.subject(d), f"node autoscaler {k8s.namespace(d)}/{k8s.name(d)} is "
                         f"{'available' if ok else 'not available'}", evidence=[ev]))
        if karpenter and not found:
            out.append(self.passed(Subject("CustomResourceDefinition", KARPENTER_CRD), "Karpenter NodePools are served",
                                   evidence=[f"CustomResourceDefinition/{KARPENTER_CRD} Established"]))
        return out
