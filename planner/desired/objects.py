"""Every object a plan declares beyond its releases — custom resources and the ServiceAccount models run
as — and the values the plan's models add to a release (vLLM production stack `modelSpec`). Pure.

`plan_objects(plan)` is the one call: the Pulumi program, `stackplan apply`, `check` and `drift` all get
the same objects from it (in the plan's workload namespace, `Plan.workload_namespace`).

Upstream shapes (read at the versions the catalog pins):
- Kueue ResourceFlavor / ClusterQueue / LocalQueue, `kueue.x-k8s.io/v1beta2` (storage version):
  kubernetes-sigs/kueue site/static/examples/admin/single-clusterqueue-setup.yaml@v0.19.2,
  apis/kueue/v1beta2/{resourceflavor,localqueue}_types.go@v0.19.2.
- Volcano Queue, `scheduling.volcano.sh/v1beta1` (weight, reclaimable, capability):
  volcano-sh/volcano example/deployment/queue.yaml and
  staging/src/volcano.sh/apis/pkg/apis/scheduling/v1beta1/types.go@v1.15.1.
- KubeAI Model, `kubeai.org/v1` (url, engine OLlama|VLLM, features, resourceProfile "<profile>:<n>",
  minReplicas, maxReplicas, args): kubeai-project/kubeai api/k8s/v1/model_types.go; resource profile
  names from charts/kubeai/values.yaml. KubeAI watches only its own namespace, so Models live there.
- KServe InferenceService, `serving.kserve.io/v1beta1`, Hugging Face runtime (vLLM backend):
  kserve/website docs/modelserving/v1beta1/llm/huggingface (modelFormat huggingface, --model_name),
  docs/modelserving/storage/huggingface (storageUri hf://…, HF_TOKEN from a Secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.desired.labels import SPEC_DIGEST, stamp
from planner.model import JSON, Model, Plan
from planner.record import Record, field
from planner.values import digest

# kind -> (apiVersion, CRD name, the releases that must run first: the CRD's and the operator's)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ResourceFlavor": ("kueue.x-k8s.io/v1beta2", "resourceflavors.kueue.x-k8s.io", ("kueue",)),
    "ClusterQueue": ("kueue.x-k8s.io/v1beta2", "clusterqueues.kueue.x-k8s.io", ("kueue",)),
    "LocalQueue": ("kueue.x-k8s.io/v1beta2", "localqueues.kueue.x-k8s.io", ("kueue",)),
    "Queue": ("scheduling.volcano.sh/v1beta1", "queues.scheduling.volcano.sh", ("volcano",)),
    "Model": ("kubeai.org/v1", "models.kubeai.org", ("kubeai",)),
    "InferenceService": ("serving.kserve.io/v1beta1", "inferenceservices.serving.kserve.io",
                         ("kserve", "kserve-runtimes")),
    "ServiceAccount": ("v1", "", ("kserve",)),  # a core kind: no CRD to wait for
}

CLUSTER_QUEUE = "stackplan"  # the one ClusterQueue; LocalQueue `default` in the workload namespace points at it
VOLCANO_QUEUE = "stackplan"
# Without cluster.quota, CPU and memory are left effectively unconstrained (GPUs are the quota that matters);
# `stackplan preflight` (PF005) reports a cluster that can allocate more than these, and the values to set.
CPU_QUOTA = "1000"
MEMORY_QUOTA = "8Ti"
HF_SECRET = "stackplan-huggingface"  # Secret holding the Hugging Face token (key HF_TOKEN)
HF_SECRET_KEY = "HF_TOKEN"
S3_SECRET = "stackplan-s3"  # Secret with S3 credentials (MLflow, KServe); created only by the Pulumi program
MODELS_SERVICE_ACCOUNT = "stackplan-models"  # InferenceServices of s3:// models run as it; it lists S3_SECRET
VLLM_DEFAULT_IMAGE = ("lmcache/vllm-openai", "latest")  # the vLLM production-stack chart's default engine image


class CustomObject(Record):
    """One custom resource stackplan creates, and the releases that must be installed before it."""

    kind: str
    name: str
    namespace: str | None
    spec: Mapping[str, JSON]
    owner: str  # the release whose operator serves it (its stackplan.dev/release label)
    after: tuple[str, ...] = ()  # every release of the plan it must wait for (CRD and operator)
    annotations: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, JSON] = field(default_factory=dict)  # top-level fields of a core kind (no spec)

    @property
    def core(self) -> bool:
        """A built-in kind (ServiceAccount): no CRD, no `spec`."""
        return not KINDS[self.kind][1]

    @property
    def api_version(self) -> str:
        return KINDS[self.kind][0]

    @property
    def crd(self) -> str:
        return KINDS[self.kind][1]

    @property
    def key(self) -> str:
        """A stable, unique Pulumi resource name."""
        where = f"{self.namespace}-" if self.namespace else ""
        return f"{self.kind.lower()}-{where}{self.name}"

    def manifest(self, values_digest: str) -> dict[str, Any]:
        """The object as Kubernetes sees it, with stackplan's labels and both digests."""
        body: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind, "metadata": {"name": self.name}}
        if self.core:
            body.update({k: v for k, v in self.fields.items()})
        else:
            body["spec"] = dict(self.spec)
        if self.namespace:
            body["metadata"]["namespace"] = self.namespace
        if self.annotations:
            body["metadata"]["annotations"] = dict(self.annotations)
        return stamp(body, self.owner, values_digest, {SPEC_DIGEST: digest(body)})


def _after(plan: Plan, kind: str) -> tuple[str, ...]:
    """The releases a kind waits for: its listed ones present in the plan, plus any release shipping its CRD."""
    crd = KINDS[kind][1]
    ids = [rid for rid in KINDS[kind][2] if rid in plan.releases]
    ids += [r.id for r in plan.ordered() if crd and crd in r.crds and r.id not in ids]
    return tuple(sorted(ids))


def _obj(plan: Plan, kind: str, name: str, namespace: str | None, spec: Mapping[str, JSON],
         **kw: Any) -> CustomObject | None:
    after = _after(plan, kind)
    if not after:
        return None
    owner = next((rid for rid in KINDS[kind][2] if rid in plan.releases), after[0])
    return CustomObject(kind, name, namespace, spec, owner, after, **kw)


def gpu_total(cluster: Mapping[str, JSON]) -> int:
    gpu = cluster.get("gpu") or {}
    return int(gpu.get("nodes", 0) or 0) * int(gpu.get("perNode", 1) or 1)


def kueue_objects(plan: Plan) -> list[CustomObject]:
    """A CPU/memory flavor, a GPU flavor (pinned to the GPU product when known), one ClusterQueue sized
    from the cluster's GPUs, and LocalQueue `default` in the workload namespace."""
    if "kueue" not in plan.releases:
        return []
    gpus = gpu_total(plan.cluster)
    gpu_type = (plan.cluster.get("gpu") or {}).get("type")
    quota = plan.cluster.get("quota") or {}  # cluster.quota in stackplan.yaml: sized from the nodes' allocatable
    groups: list[dict[str, JSON]] = [{
        "coveredResources": ["cpu", "memory"],
        "flavors": [{"name": "default-flavor", "resources": [
            {"name": "cpu", "nominalQuota": str(quota.get("cpu") or CPU_QUOTA)},
            {"name": "memory", "nominalQuota": str(quota.get("memory") or MEMORY_QUOTA)}]}],
    }]
    flavors = [_obj(plan, "ResourceFlavor", "default-flavor", None, {})]
    if gpus > 0:
        groups.append({"coveredResources": ["nvidia.com/gpu"],
                       "flavors": [{"name": "gpu", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": gpus}]}]})
        # nvidia.com/gpu.product is the GPU Feature Discovery node label (values like NVIDIA-L4)
        flavors.append(_obj(plan, "ResourceFlavor", "gpu", None,
                            {"nodeLabels": {"nvidia.com/gpu.product": gpu_type}} if gpu_type else {}))
    cq = _obj(plan, "ClusterQueue", CLUSTER_QUEUE, None, {
        "namespaceSelector": {},
        "queueingStrategy": "BestEffortFIFO",
        "resourceGroups": groups,
    })
    lq = _obj(plan, "LocalQueue", "default", plan.workload_namespace, {"clusterQueue": CLUSTER_QUEUE})
    return [o for o in (*flavors, cq, lq) if o is not None]


def volcano_queue(plan: Plan) -> list[CustomObject]:
    """Queue `stackplan` capped at the cluster's GPUs (Volcano itself creates `default` and `root`)."""
    if "volcano" not in plan.releases:
        return []
    spec: dict[str, JSON] = {"weight": 1, "reclaimable": True}
    gpus = gpu_total(plan.cluster)
    if gpus > 0:
        spec["capability"] = {"nvidia.com/gpu": gpus}
    obj = _obj(plan, "Queue", VOLCANO_QUEUE, None, spec)
    return [obj] if obj else []


_KUBEAI_PROFILES = (  # substring of cluster.gpu.type -> KubeAI resource profile (charts/kubeai/values.yaml)
    ("GH200", "nvidia-gpu-gh200"), ("H100", "nvidia-gpu-h100"), ("L40S", "nvidia-gpu-l40s"),
    ("A100-SXM4-80GB", "nvidia-gpu-a100-80gb"), ("A100-80GB", "nvidia-gpu-a100-80gb"),
    ("A100", "nvidia-gpu-a100-40gb"), ("A16", "nvidia-gpu-a16"), ("L4", "nvidia-gpu-l4"), ("T4", "nvidia-gpu-t4"),
)
KUBEAI_GENERIC_GPU = "nvidia-gpu-t4"  # requests only nvidia.com/gpu: the profile with the fewest assumptions


def kubeai_profile(gpu_type: str | None, gpus: int) -> str:
    if gpus <= 0:
        return "cpu:1"
    upper = (gpu_type or "").upper()
    name = next((p for sub, p in _KUBEAI_PROFILES if sub in upper), KUBEAI_GENERIC_GPU)
    return f"{name}:{gpus}"


def kubeai_models(plan: Plan) -> list[CustomObject]:
    rel = plan.releases.get("kubeai")
    if rel is None:
        return []
    gpu_type = (plan.cluster.get("gpu") or {}).get("type")
    out = []
    for m in plan.models:
        engine = {"vllm": "VLLM", "ollama": "OLlama"}.get(m.engine)
        if engine is None:
            continue
        spec: dict[str, JSON] = {
            "url": m.source,
            "engine": engine,
            "features": ["TextGeneration"],
            "resourceProfile": kubeai_profile(gpu_type, m.gpus_per_replica),
            "minReplicas": m.replicas,
            "maxReplicas": max(m.replicas, 1),
            # required in the CRD schema though defaulted (manifests/crds/kubeai.org_models.yaml): schema-based
            # validators that do not apply defaults (kubectl, Pulumi's Check) reject a Model without them
            "targetRequests": 100,
            "scaleDownDelaySeconds": 30,
        }
        if m.args:
            spec["args"] = list(m.args)
        obj = _obj(plan, "Model", m.name, rel.namespace, spec)
        if obj:
            out.append(obj)
    return out


def inference_service_spec(m: Model) -> dict[str, JSON]:
    """hf:// models read HF_TOKEN from Secret HF_SECRET when it exists (`optional`: public models need none, and
    `apply` never creates Secrets); s3:// models run as MODELS_SERVICE_ACCOUNT, which lists S3_SECRET."""
    fmt = "triton" if m.engine == "triton" else "huggingface"
    model: dict[str, JSON] = {"modelFormat": {"name": fmt}, "storageUri": m.source}
    if fmt == "huggingface":
        model["args"] = [f"--model_name={m.name}", *m.args]
    elif m.args:
        model["args"] = list(m.args)
    if m.gpus_per_replica > 0:
        gpus = str(m.gpus_per_replica)
        model["resources"] = {"requests": {"nvidia.com/gpu": gpus}, "limits": {"nvidia.com/gpu": gpus}}
    if m.source.startswith("hf://"):
        model["env"] = [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": HF_SECRET, "key": HF_SECRET_KEY, "optional": True}}}]
    predictor: dict[str, JSON] = {"minReplicas": m.replicas, "model": model}
    if m.source.startswith("s3://"):
        predictor["serviceAccountName"] = MODELS_SERVICE_ACCOUNT
    return {"predictor": predictor}


KSERVE_ENGINES = ("vllm", "huggingface", "triton")


def kserve_services(plan: Plan) -> list[CustomObject]:
    if "kserve" not in plan.releases:
        return []
    out = []
    models = [m for m in plan.models if m.engine in KSERVE_ENGINES]
    if any(m.source.startswith("s3://") for m in models):
        sa = _obj(plan, "ServiceAccount", MODELS_SERVICE_ACCOUNT, plan.workload_namespace, {},
                  fields={"secrets": [{"name": S3_SECRET}]})
        if sa:
            out.append(sa)
    for m in models:
        obj = _obj(plan, "InferenceService", m.name, plan.workload_namespace, inference_service_spec(m))
        if obj:
            out.append(obj)
    return out


def plan_objects(plan: Plan) -> list[CustomObject]:
    """Every object of the plan beyond its releases, in a stable order: what the Pulumi program and `stackplan
    apply` create, and what check and drift look for."""
    return [*kueue_objects(plan), *volcano_queue(plan), *kubeai_models(plan), *kserve_services(plan)]


def declared(plan: Plan, kind: str) -> list[tuple[str | None, str]]:
    """(namespace, name) of every object of `kind` stackplan creates for this plan (checks and drift look them up)."""
    return [(o.namespace, o.name) for o in plan_objects(plan) if o.kind == kind]


def _engine_image(images: tuple[str, ...]) -> tuple[str, str]:
    for ref in images:
        repo, _, tag = ref.rpartition(":")
        if "vllm-openai" in repo and tag:
            return repo, tag
    return VLLM_DEFAULT_IMAGE


def vllm_model_specs(images: tuple[str, ...], models: tuple[Model, ...]) -> list[dict[str, JSON]]:
    """`servingEngineSpec.modelSpec` entries of the vLLM production stack, one per vllm model (the engine image
    from the release's images, mirrored or not): `name, repository, tag, modelURL, replicaCount, requestCPU,
    requestMemory, requestGPU` (requestCPU and requestMemory are `required` in helm/templates/_helpers.tpl;
    defaults 6 CPU / 16Gi from helm/values.yaml of vllm-project/production-stack)."""
    repo, tag = _engine_image(images)
    specs = []
    for m in models:
        if m.engine != "vllm":
            continue
        spec: dict[str, JSON] = {
            "name": m.name,
            "repository": repo,
            "tag": tag,
            "modelURL": m.source.removeprefix("hf://"),
            "replicaCount": m.replicas,
            "requestCPU": 6,
            "requestMemory": "16Gi",
            "requestGPU": m.gpus_per_replica,
        }
        if m.args:
            spec["vllmConfig"] = {"extraArgs": list(m.args)}
        specs.append(spec)
    return specs


def model_values(component: str, images: tuple[str, ...], models: tuple[Model, ...]) -> dict[str, JSON]:
    """The values a release gets from the stack file's models (resolve merges them into the plan's values, so
    every installer sends them): the vLLM production stack's `servingEngineSpec.modelSpec`."""
    if component == "vllm-stack":
        specs = vllm_model_specs(images, models)
        if specs:
            return {"servingEngineSpec": {"modelSpec": specs}}
    return {}
