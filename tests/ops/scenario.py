"""One scenario with known answers for the ops tools, used by the unit tests (in memory) and the cluster tests
(created on the real control plane). Status shapes follow the upstream types cited in planner/ops/*.py.

Known answers:
- gpus: node A (8 GPUs) holds train-a (4) and train-b (4): saturated, 0 free; node B holds infer-a (2): 6 free.
- jobs: TrainJob llama-ft Failed, bert Running; Workload wl-admitted Admitted, wl-quota Pending (quota),
  wl-noqueue Inadmissible (LocalQueue missing); PodGroup gang Pending (Unschedulable); RayJob ray-etl Failed.
- inference: InferenceService llama ready, isvc-broken not ready (lastFailureInfo + event); Model qwen 1/1 ready;
  RayService serve-llm not ready (ZeroServeEndpoints).
- pipelines: train-pipeline Failed at step `train` (OOMKilled); stuck-run Running, step fetch-data Pending for 2h
  (stuck); ok-run Succeeded.
A credential CANARY sits in a Secret, a pod's env, an annotation, a step message and an event: never returned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

CANARY = "hf_CanaryZ9y8x7w6v5u4t3s2r1q0p9o8n7"
GPU = "nvidia.com/gpu"
QUOTA_MESSAGE = ("couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor "
                 "default-flavor, 4 more needed")


def _ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(name: str, ns: str | None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **extra}
    if ns:
        meta["namespace"] = ns
    return meta


def _cond(ctype: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {"type": ctype, "status": status, "reason": reason or ctype, "message": message,
            "lastTransitionTime": _ago(5)}


def gpu_pod(name: str, ns: str, node: str, gpus: int, env: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(name, ns, labels={"app": name}),
            "spec": {"nodeName": node, "tolerations": [{"operator": "Exists"}],
                     "containers": [{"name": "main", "image": "registry.invalid/train:1", "env": env or [],
                                     "resources": {"limits": {GPU: str(gpus)}}}]}}


def pods(ns: str, node_a: str, node_b: str) -> list[dict[str, Any]]:
    return [gpu_pod("train-a", ns, node_a, 4, [{"name": "HF_TOKEN", "value": CANARY}]),
            gpu_pod("train-b", ns, node_a, 4), gpu_pod("infer-a", ns, node_b, 2)]


def secret(ns: str) -> dict[str, Any]:
    import base64

    return {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("hf-token", ns), "type": "Opaque",
            "data": {"token": base64.b64encode(CANARY.encode()).decode()}}


def jobs(ns: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, status) pairs: the status is set through the status subresource on a cluster."""
    return [
        ({"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": _meta("llama-ft", ns),
          "spec": {"runtimeRef": {"name": "torch-distributed"}}},
         {"conditions": [_cond("Failed", "True", "JobFailed", "trainer node rank 0 exited with code 137")],
          "jobsStatus": [{"name": "node", "active": 0, "ready": 0, "succeeded": 0, "failed": 1}]}),
        ({"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": _meta("bert", ns),
          "spec": {"runtimeRef": {"name": "torch-distributed"}}},
         {"jobsStatus": [{"name": "node", "active": 2, "ready": 2, "succeeded": 0, "failed": 0}]}),
        ({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload", "metadata": _meta("wl-admitted", ns),
          "spec": {"queueName": "team-a", "podSets": [{"name": "main", "count": 2, "template": {}}]}},
         {"admission": {"clusterQueue": "gpu-cluster-queue"},
          "conditions": [_cond("QuotaReserved", "True"), _cond("Admitted", "True")]}),
        ({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload", "metadata": _meta("wl-quota", ns),
          "spec": {"queueName": "team-a", "podSets": [{"name": "main", "count": 4, "template": {}}]}},
         {"conditions": [_cond("QuotaReserved", "False", "Pending", QUOTA_MESSAGE)]}),
        ({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload", "metadata": _meta("wl-noqueue", ns),
          "spec": {"queueName": "team-b", "podSets": [{"name": "main", "count": 1, "template": {}}]}},
         {"conditions": [_cond("QuotaReserved", "False", "Inadmissible", "LocalQueue team-b doesn't exist")]}),
        ({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup", "metadata": _meta("gang", ns),
          "spec": {"minMember": 4, "queue": "research"}},
         {"phase": "Pending", "conditions": [_cond("Unschedulable", "True", "NotEnoughResources",
                                                   "4/4 tasks in gang unschedulable: 4 Insufficient nvidia.com/gpu")]}),
        ({"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": _meta("ray-etl", ns),
          "spec": {"entrypoint": "python etl.py"}},
         {"jobStatus": "FAILED", "jobDeploymentStatus": "Failed", "rayClusterName": "ray-etl-raycluster-x2k",
          "message": "Job entrypoint command failed with exit code 1"}),
    ]


def inference(ns: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        ({"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": _meta("llama", ns),
          "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"}}}}},
         {"url": f"http://llama.{ns}.example.com", "conditions": [_cond("Ready", "True")]}),
        ({"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
          "metadata": _meta("isvc-broken", ns, annotations={"example.com/api-key": CANARY}),
          "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"}}}}},
         {"conditions": [_cond("Ready", "False", "PredictorNotReady", "predictor is not ready"),
                         _cond("PredictorReady", "False", "ModelLoadFailed", "model failed to load")],
          "modelStatus": {"lastFailureInfo": {"reason": "ModelLoadFailed",
                                              "message": f"401 from hub: token {CANARY} rejected"}}}),
        ({"apiVersion": "kubeai.org/v1", "kind": "Model", "metadata": _meta("qwen", ns),
          "spec": {"url": "hf://Qwen/Qwen2.5-0.5B", "engine": "VLLM", "minReplicas": 1, "maxReplicas": 2,
                   "features": ["TextGeneration"], "resourceProfile": "nvidia-gpu-l4:1"}},
         {"replicas": {"all": 1, "ready": 1}}),
        ({"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": _meta("serve-llm", ns),
          "spec": {"serveConfigV2": "applications: []"}},
         {"numServeEndpoints": 0, "activeServiceStatus": {"rayClusterName": "serve-llm-raycluster-7x9"},
          "conditions": [_cond("Ready", "False", "ZeroServeEndpoints", "no Ray Pods are serving")]}),
    ]


def _node(name: str, typ: str, phase: str, started: int, finished: int | None = None,
          message: str = "") -> dict[str, Any]:
    n = {"id": name, "name": name, "displayName": name, "type": typ, "templateName": name, "phase": phase,
         "startedAt": _ago(started)}
    if finished is not None:
        n["finishedAt"] = _ago(finished)
    if message:
        n["message"] = message
    return n


def _nodes(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {n["id"]: n for n in nodes}


def workflows(ns: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        ({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
          "metadata": _meta("train-pipeline", ns, labels={"pipeline/runid": "8f1c2d3e-run"}), "spec": {}},
         {"phase": "Failed", "progress": "1/2", "startedAt": _ago(60), "finishedAt": _ago(20),
          "message": "child 'train' failed",
          "nodes": _nodes(_node("train-pipeline", "DAG", "Failed", 60, 20, "child 'train' failed"),
                          _node("preprocess", "Pod", "Succeeded", 59, 40),
                          _node("train", "Pod", "Failed", 39, 21, "OOMKilled (exit code 137)"))}),
        ({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": _meta("stuck-run", ns), "spec": {}},
         {"phase": "Running", "progress": "0/1", "startedAt": _ago(125),
          "nodes": _nodes(_node("stuck-run", "DAG", "Running", 125),
                          _node("fetch-data", "Pod", "Pending", 120, None,
                                f"Unschedulable: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu. "
                                f"Authorization: Bearer {CANARY}"))}),
        ({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": _meta("ok-run", ns), "spec": {}},
         {"phase": "Succeeded", "progress": "1/1", "startedAt": _ago(30), "finishedAt": _ago(25),
          "nodes": _nodes(_node("ok-run", "Pod", "Succeeded", 30, 25))}),
    ]


def event(ns: str, kind: str, api_version: str, name: str, reason: str, message: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Event", "metadata": _meta(f"{name}.{reason.lower()}", ns),
            "type": "Warning", "reason": reason, "message": message, "lastTimestamp": _ago(2),
            "firstTimestamp": _ago(3), "count": 1, "source": {"component": "stackplan-tests"},
            "involvedObject": {"kind": kind, "apiVersion": api_version, "name": name, "namespace": ns}}


def events(ns: str) -> list[dict[str, Any]]:
    return [event(ns, "InferenceService", "serving.kserve.io/v1beta1", "isvc-broken", "InternalError",
                  f"fails to reconcile predictor: download with token={CANARY} failed"),
            event(ns, "Workload", "kueue.x-k8s.io/v1beta2", "wl-quota", "Pending",
                  "couldn't assign flavors to pod set main")]


def custom_objects(ns: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return jobs(ns) + inference(ns) + workflows(ns)


CRDS = ("trainjobs.trainer.kubeflow.org", "workloads.kueue.x-k8s.io", "podgroups.scheduling.volcano.sh",
        "rayjobs.ray.io", "inferenceservices.serving.kserve.io", "models.kubeai.org", "rayservices.ray.io",
        "workflows.argoproj.io")


def in_memory(ns: str = "team", node_a: str = "gpu-a", node_b: str = "gpu-b") -> list[dict[str, Any]]:
    """Every object with its status, and two GPU nodes: what a FakeReader serves."""
    from planner.sandbox import node_manifest

    objs = [node_manifest(node_a, gpus=8), node_manifest(node_b, gpus=8), node_manifest("cpu-1")]
    for n in objs:
        n["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    for p in pods(ns, node_a, node_b):
        objs.append({**p, "status": {"phase": "Running"}})
    for obj, st in custom_objects(ns):
        objs.append({**obj, "metadata": {**obj["metadata"], "creationTimestamp": _ago(130)}, "status": st})
    return objs + events(ns) + [secret(ns)]
