"""Warn about API hooks served by simulated pods: they never answer, so API calls break.

A webhook with ``failurePolicy: Fail`` whose service runs on kwok nodes rejects every matching
request; an aggregated APIService backed by one makes discovery fail for its group.
"""

from __future__ import annotations

from planner.sandbox.kube import Kube, KubeError, path_for
from planner.sandbox.nodes import KWOK_ANNOTATION

_ANN_KEY, _ANN_VALUE = next(iter(KWOK_ANNOTATION.items()))


def _simulated_nodes(kube: Kube) -> set[str]:
    return {
        n["metadata"]["name"]
        for n in kube.items(path_for("nodes"))
        if (n["metadata"].get("annotations") or {}).get(_ANN_KEY) == _ANN_VALUE
    }


def _backend(kube: Kube, namespace: str, service: str, simulated: set[str]) -> str | None:
    """Why the service cannot answer, or None if some pod behind it runs on a real node."""
    try:
        svc = kube.get(path_for("services", namespace, service))
    except KubeError as exc:
        if exc.status == 404:
            return f"service {namespace}/{service} does not exist"
        raise
    selector = svc.get("spec", {}).get("selector") or {}
    if not selector:
        return None  # hand-managed endpoints: we cannot tell
    sel = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    pods = kube.items(path_for("pods", namespace), labelSelector=sel)
    if not pods:
        return f"service {namespace}/{service} selects no pods"
    if all(p.get("spec", {}).get("nodeName") in simulated for p in pods):
        return f"service {namespace}/{service} is backed only by simulated pods (they run no process)"
    return None


def check(kube: Kube) -> list[str]:
    """One warning per webhook (failurePolicy Fail) or APIService that cannot be served."""
    simulated = _simulated_nodes(kube)
    warnings: list[str] = []
    for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
        for cfg in kube.items(path_for(kind)):
            for hook in cfg.get("webhooks") or []:
                svc = (hook.get("clientConfig") or {}).get("service")
                if not svc or hook.get("failurePolicy", "Fail") != "Fail":
                    continue
                why = _backend(kube, svc["namespace"], svc["name"], simulated)
                if why:
                    warnings.append(
                        f"{kind[:-1]} {cfg['metadata']['name']} webhook {hook['name']} has "
                        f"failurePolicy Fail and {why}: matching API requests will be rejected "
                        "(set failurePolicy: Ignore or leave the webhook out in the sandbox)"
                    )
    for api in kube.items(path_for("apiservices")):
        svc = api.get("spec", {}).get("service")
        if not svc:
            continue  # served locally by kube-apiserver
        why = _backend(kube, svc["namespace"], svc["name"], simulated)
        if why:
            warnings.append(
                f"APIService {api['metadata']['name']}: {why}; discovery of "
                f"{api['spec'].get('group')}/{api['spec'].get('version')} will fail"
            )
    return warnings
