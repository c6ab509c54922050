"""What the program adds to release values and which Secrets it creates from secret config. Pure.

Secret *values* never appear here: a `SecretSpec` names the config key each Secret entry comes
from, and a `SecretSlot` names the value path that takes a secret config value. The Pulumi module
fills both with `pulumi.Config(...).require_secret/get_secret` Outputs, so they stay secret in the
state and in every preview.

Upstream value names:
- KubeAI `secrets.huggingface.{create,token,name}`; the token is read from key `token` of the Secret
  (kubeai-project/kubeai charts/kubeai/values.yaml). With `create: false` (the blueprint's default)
  stackplan creates that Secret itself, so the token never enters Helm values or release records;
  with `create: true` the token goes into the values as a secret Output.
- vLLM production stack `servingEngineSpec.modelSpec[]` with `name, repository, tag, modelURL,
  replicaCount, requestCPU, requestMemory, requestGPU` (requestCPU and requestMemory are `required`
  in helm/templates/_helpers.tpl) and `hf_token: {secretName, secretKey}`
  (helm/templates/deployment-vllm-multi.yaml); defaults 6 CPU / 16Gi from helm/values.yaml.
- MLflow (community-charts) `artifactRoot.s3.{enabled,bucket,path,existingSecret.{name,
  keyOfAccessKeyId,keyOfSecretAccessKey}}` and `extraEnvVars.MLFLOW_S3_ENDPOINT_URL`
  (charts/mlflow/values.yaml).
- KServe S3 credentials: a Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and annotations
  `serving.kserve.io/s3-endpoint|s3-usehttps|s3-region`, attached to a ServiceAccount the
  InferenceService names (kserve/website docs/modelserving/storage/s3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.emit.crs import HF_SECRET, HF_SECRET_KEY
from planner.emit.settings import EmitConfig
from planner.model import JSON, Plan
from planner.values import merge

S3_SECRET = "stackplan-s3"
MODELS_SERVICE_ACCOUNT = "stackplan-models"
KUBEAI_HF_SECRET = "kubeai-huggingface"
VLLM_DEFAULT_IMAGE = ("lmcache/vllm-openai", "latest")  # the chart's default engine image


@dataclass(frozen=True)
class SecretSpec:
    """A Kubernetes Secret whose entries come from secret config keys."""

    name: str
    namespace: str
    owner: str  # release id for the stackplan.dev/release label
    entries: Mapping[str, str]  # Secret key -> stackplan config key
    annotations: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None  # also create this ServiceAccount listing the Secret

    @property
    def key(self) -> str:
        return f"secret-{self.namespace}-{self.name}"


@dataclass(frozen=True)
class SecretSlot:
    """A value path in a release's values that takes a secret config value."""

    release: str
    path: tuple[str, ...]
    config_key: str


@dataclass(frozen=True)
class Wiring:
    values: Mapping[str, Mapping[str, JSON]]  # release id -> values merged over the plan's values
    secrets: tuple[SecretSpec, ...]
    slots: tuple[SecretSlot, ...]

    def values_for(self, release_id: str, base: Mapping[str, JSON]) -> dict[str, JSON]:
        extra = self.values.get(release_id)
        return merge(base, extra) if extra else dict(base)


def _image(images: tuple[str, ...]) -> tuple[str, str]:
    for ref in images:
        repo, _, tag = ref.rpartition(":")
        if "vllm-openai" in repo and tag:
            return repo, tag
    return VLLM_DEFAULT_IMAGE


def vllm_model_specs(plan: Plan, hf_token: bool) -> list[dict[str, JSON]]:
    rel = plan.releases.get("vllm-stack")
    if rel is None:
        return []
    repo, tag = _image(rel.images)
    specs = []
    for m in plan.models:
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
        if hf_token:
            spec["hf_token"] = {"secretName": HF_SECRET, "secretKey": HF_SECRET_KEY}
        specs.append(spec)
    return specs


def wiring(plan: Plan, cfg: EmitConfig) -> Wiring:
    values: dict[str, dict[str, JSON]] = {}
    secrets: list[SecretSpec] = []
    slots: list[SecretSlot] = []
    hf = cfg.secret("huggingfaceToken") is not None
    models = {m.engine for m in plan.models}

    kubeai = plan.releases.get("kubeai")
    if kubeai is not None and hf:
        chart_secret = (kubeai.values.get("secrets") or {}).get("huggingface") or {}
        if chart_secret.get("create", True):
            slots.append(SecretSlot("kubeai", ("secrets", "huggingface", "token"), "huggingfaceToken"))
        else:
            name = chart_secret.get("name") or KUBEAI_HF_SECRET
            secrets.append(SecretSpec(name, kubeai.namespace, kubeai.id, {"token": "huggingfaceToken"}))

    specs = vllm_model_specs(plan, hf)
    if specs:
        rel = plan.releases["vllm-stack"]
        values["vllm-stack"] = {"servingEngineSpec": {"modelSpec": specs}}
        if hf:
            secrets.append(SecretSpec(HF_SECRET, rel.namespace, rel.id, {HF_SECRET_KEY: "huggingfaceToken"}))

    serving_models = "kserve" in plan.releases and bool(models & {"vllm", "huggingface", "triton"})
    if serving_models and hf:
        secrets.append(SecretSpec(HF_SECRET, cfg.workload_namespace, "kserve", {HF_SECRET_KEY: "huggingfaceToken"}))

    s3 = cfg.s3
    creds = {"AWS_ACCESS_KEY_ID": "s3AccessKeyId", "AWS_SECRET_ACCESS_KEY": "s3SecretAccessKey"}
    if s3 and "mlflow" in plan.releases:
        rel = plan.releases["mlflow"]
        mlflow: dict[str, JSON] = {"artifactRoot": {"s3": {
            "enabled": True, "bucket": s3.bucket, "path": s3.path,
            "existingSecret": {"name": S3_SECRET, "keyOfAccessKeyId": "AWS_ACCESS_KEY_ID",
                               "keyOfSecretAccessKey": "AWS_SECRET_ACCESS_KEY"}}}}
        if s3.endpoint:
            url = s3.endpoint if "://" in s3.endpoint else f"https://{s3.endpoint}"
            mlflow["extraEnvVars"] = {"MLFLOW_S3_ENDPOINT_URL": url}
        values["mlflow"] = mlflow
        secrets.append(SecretSpec(S3_SECRET, rel.namespace, rel.id, creds))
    if s3 and serving_models:
        notes: dict[str, str] = {}
        if s3.endpoint:
            host = s3.endpoint.split("://", 1)[-1]
            notes["serving.kserve.io/s3-endpoint"] = host
            notes["serving.kserve.io/s3-usehttps"] = "0" if s3.endpoint.startswith("http://") else "1"
        if s3.region:
            notes["serving.kserve.io/s3-region"] = s3.region
        secrets.append(SecretSpec(S3_SECRET, cfg.workload_namespace, "kserve", creds, notes,
                                  service_account=MODELS_SERVICE_ACCOUNT))
    return Wiring(values=values, secrets=tuple(secrets), slots=tuple(slots))


def kserve_service_account(cfg: EmitConfig) -> str | None:
    return MODELS_SERVICE_ACCOUNT if cfg.s3 else None
