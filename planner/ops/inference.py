"""Inference endpoints with readiness, replicas and recent errors: KServe InferenceServices, KubeAI Models, vLLM
production-stack engines and Ray Serve RayServices.

- InferenceService: condition Ready, `.status.url`, `.status.modelStatus.lastFailureInfo`
  (kserve/kserve:pkg/apis/serving/v1beta1/inference_service_status.go@v0.20.0); in Standard (raw) mode the
  predictor is Deployment `<name>-predictor` and its pods carry `serving.kserve.io/inferenceservice=<name>`
  (pkg/constants/constants.go@v0.20.0).
- KubeAI Model: `.spec.{minReplicas,maxReplicas,replicas}`, `.status.replicas.{all,ready}`, pods labelled
  `model=<name>` (kubeai-project/kubeai:api/k8s/v1/model_types.go, chart 0.22.1).
- vLLM stack engine: Deployment `<release>-<model>-deployment-vllm` labelled `model` and `helm-release-name`
  (vllm-project/production-stack:helm/templates/deployment-vllm-multi.yaml@vllm-stack-0.1.12).
- RayService: condition Ready, `.status.numServeEndpoints`, `.status.activeServiceStatus.rayClusterName`
  (ray-project/kuberay:ray-operator/apis/ray/v1/rayservice_types.go@v1.7.0).
"""

from __future__ import annotations

from typing import Any

from planner.checks import k8s
from planner.checks.vllm_stack import ENGINE_SUFFIX
from planner.cluster import Reader
from planner.kinds import DEPLOYMENTS, INFERENCE_SERVICES, KUBEAI_MODELS, RAY_SERVICES
from planner.ops.common import Lists, Obj, condition_text, int_or_zero

KINDS = ("InferenceService", "Model", "VllmEngine", "RayService")
ISVC_POD_LABEL = "serving.kserve.io/inferenceservice"


def _deployment_replicas(d: Obj | None) -> dict[str, int] | None:
    if d is None:
        return None
    return {"desired": int_or_zero((d.get("spec") or {}).get("replicas", 1)),
            "ready": int_or_zero((d.get("status") or {}).get("readyReplicas"))}


def _isvc(isvc: Obj, lists: Lists, deployments: dict[tuple[str | None, str], Obj]) -> dict[str, Any]:
    st = isvc.get("status") or {}
    ns, name = k8s.namespace(isvc), k8s.name(isvc)
    errors = [t for t in (condition_text(isvc, c) for c in ("PredictorReady", "IngressReady")
                          if k8s.condition(isvc, c) and not k8s.is_true(isvc, c)) if t]
    failure = (st.get("modelStatus") or {}).get("lastFailureInfo")
    if failure:
        errors.append(f"lastFailureInfo {failure.get('reason')}: {failure.get('message', '')}".strip())
    errors += lists.pod_errors(lists.pods(ns, {ISVC_POD_LABEL: name})) + lists.events(isvc)
    return {"ready": k8s.is_true(isvc, "Ready"), "reason": None if k8s.is_true(isvc, "Ready") else
            condition_text(isvc, "Ready") or "no Ready condition yet", "url": st.get("url"),
            "replicas": _deployment_replicas(deployments.get((ns, f"{name}-predictor"))), "errors": errors}


def _model(m: Obj, lists: Lists) -> dict[str, Any]:
    spec, st = m.get("spec") or {}, (m.get("status") or {}).get("replicas") or {}
    want, ready = int_or_zero(spec.get("minReplicas")), int_or_zero(st.get("ready"))
    errors = lists.pod_errors(lists.pods(k8s.namespace(m), {"model": k8s.name(m)})) + lists.events(m)
    return {"ready": ready >= want,
            "reason": None if ready >= want else f"{ready} ready replica(s), minReplicas {want}",
            "url": None, "replicas": {"desired": int_or_zero(spec.get("replicas", want)), "ready": ready,
                                      "min": want, "max": spec.get("maxReplicas")},
            "engine": spec.get("engine"), "errors": errors}


def _engine(d: Obj, lists: Lists) -> dict[str, Any]:
    ok, evidence = k8s.workload_status(d)
    errors = lists.pod_errors(lists.pods(k8s.namespace(d), selector=(d.get("spec") or {}).get("selector")))
    return {"ready": ok, "reason": None if ok else evidence.split(" ", 1)[-1], "url": None,
            "replicas": _deployment_replicas(d), "model": (k8s.meta(d).get("labels") or {}).get("model"),
            "errors": errors + lists.events(d)}


def _rayservice(rs: Obj, lists: Lists) -> dict[str, Any]:
    st = rs.get("status") or {}
    ready = k8s.is_true(rs, "Ready")
    endpoints = st.get("numServeEndpoints")
    return {"ready": ready, "reason": None if ready else condition_text(rs, "Ready") or "no Ready condition yet",
            "url": None, "replicas": None if endpoints is None else {"ready": int_or_zero(endpoints)},
            "rayCluster": (st.get("activeServiceStatus") or {}).get("rayClusterName"), "errors": lists.events(rs)}


def inference(reader: Reader, *, namespace: str | None = None, not_ready_only: bool = False) -> dict[str, Any]:
    """Every inference endpoint: ready or not, why, replicas, recent errors (pod troubles and Warning events)."""
    lists, out = Lists(reader), []
    deployments = lists.get(DEPLOYMENTS, namespace)
    by_name = {(k8s.namespace(d), k8s.name(d)): d for d in deployments}
    found: list[tuple[str, Obj, dict[str, Any]]] = []
    for isvc in lists.get(INFERENCE_SERVICES, namespace):
        found.append(("InferenceService", isvc, _isvc(isvc, lists, by_name)))
    for m in lists.get(KUBEAI_MODELS, namespace):
        found.append(("Model", m, _model(m, lists)))
    for d in deployments:
        if k8s.name(d).endswith(ENGINE_SUFFIX) and "helm-release-name" in (k8s.meta(d).get("labels") or {}):
            found.append(("VllmEngine", d, _engine(d, lists)))
    for rs in lists.get(RAY_SERVICES, namespace):
        found.append(("RayService", rs, _rayservice(rs, lists)))
    for kind, obj, facts in found:
        if not_ready_only and facts["ready"]:
            continue
        facts["errors"] = list(dict.fromkeys(facts["errors"]))  # a pod event can repeat the object's
        out.append({"kind": kind, "namespace": k8s.namespace(obj), "name": k8s.name(obj), **facts})
    out.sort(key=lambda e: (e["ready"], e["kind"], e["namespace"] or "", e["name"]))
    answer: dict[str, Any] = {"endpoints": out, "notReady": sum(1 for e in out if not e["ready"]),
                              "withErrors": [f"{e['kind']}/{e['namespace']}/{e['name']}" for e in out if e["errors"]]}
    if lists.unread:
        answer["unread"] = lists.unread
    return answer
