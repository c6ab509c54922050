"""HC005: pods in the plan's namespaces are not crash-looping or failing to pull their image.

Waiting reasons as the kubelet sets them (CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
CreateContainerConfigError, ...; k8s.io/kubernetes pkg/kubelet/images/types.go, kuberuntime).
"""

from __future__ import annotations

from planner.checks import k8s
from planner.checks.base import Check
from planner.checks.view import ClusterView
from planner.kinds import EVENTS, PODS
from planner.report import Finding, Severity

FIXES = {  # NS and POD are replaced by the pod's namespace and name (Check.failed)
    "ImagePullBackOff": "Check the image name and tag, registry credentials (imagePullSecrets) and that the "
                        "registry (or your mirror) is reachable from the nodes; `kubectl -n NS describe pod POD` "
                        "shows the pull error.",
    "ErrImagePull": "Check the image name and tag, registry credentials and that the registry is reachable; "
                    "`kubectl -n NS describe pod POD` shows the pull error.",
    "CrashLoopBackOff": "Read the container's previous log (`kubectl -n NS logs POD --previous`) for why it exits.",
    "CreateContainerConfigError": "A referenced ConfigMap or Secret key is missing (`kubectl -n NS describe pod "
                                  "POD` names it); create it or fix the reference.",
}


# Labels that name what a pod serves: KServe's predictor pods (kserve/kserve:pkg/constants/constants.go@v0.20.0,
# InferenceServicePodLabelKey) and KubeAI's model pods (kubeai-project/kubeai:internal/modelcontroller/pod_plan.go)
OWNER_LABELS = (("serving.kserve.io/inferenceservice", "inferenceService"), ("model", "model"))


def pod_facts(pod: dict, reason: str) -> dict[str, str | None]:
    """What the cause rules link a failing pod on: its node, failing container, reason and what it serves."""
    labels = k8s.meta(pod).get("labels") or {}
    container = k8s.trouble_container(pod)
    facts: dict[str, str | None] = {"node": (pod.get("spec") or {}).get("nodeName"), "container": container,
                                    "reason": reason}
    for label, fact in OWNER_LABELS:
        facts[fact] = labels.get(label)
    return facts


class PodsRunning(Check):
    id = "HC005"
    title = "Pods in the stack's namespaces are not crash-looping or failing to pull images"
    severity = Severity.HIGH
    reads = (PODS, EVENTS)
    remediation = "`kubectl -n NS describe pod POD`; `kubectl -n NS logs POD --previous`"

    def evaluate(self, view: ClusterView) -> list[Finding]:
        out, pods = [], view.in_namespaces(PODS)
        for pod in pods:
            trouble = k8s.pod_trouble(pod)
            if trouble is None:
                continue
            reason, detail = trouble
            base = reason.removeprefix("Init:")
            out.append(self.failed(k8s.subject(pod), f"pod {k8s.namespace(pod)}/{k8s.name(pod)} is in {reason}",
                                   evidence=[detail, *view.events_or_empty(pod)],
                                   remediation=FIXES.get(base, self.remediation), sensitive=view.sensitive(pod),
                                   component=view.component_of(pod), facts=pod_facts(pod, reason)))
        if not out:
            out.append(self.passed(self.scope("pods in the stack's namespaces"),
                                   f"{len(pods)} pod(s) in {len(view.namespaces)} namespace(s): none crash-looping "
                                   "or failing to pull"))
        return out
