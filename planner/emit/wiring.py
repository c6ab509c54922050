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
- vLLM production stack: the plan's values already hold `servingEngineSpec.modelSpec[]` (built by
  planner/desired/objects.py, so `apply` sends them too); with a token each entry gets
  `hf_token: {secretName, secretKey}` (helm/templates/deployment-vllm-multi.yaml).
- MLflow (community-charts) reads S3 credentials from `artifactRoot.s3.existingSecret.{name,
  keyOfAccessKeyId,keyOfSecretAccessKey}` (charts/mlflow/values.yaml) and its bundled Bitnami
  PostgreSQL from `postgresql.auth.existingSecret` (keys `password`, `postgres-password` unless
  `auth.secretKeys.*` rename them). The blueprint names these Secrets; stackplan creates them when
  the credentials are in config, with exactly the names and keys the values say.
- KServe: the S3 endpoint/region are chart values (`kserve.storage.s3.*`, set by the profile); the
  credentials are a Secret with the key names `kserve.storage.s3.{accessKeyIdName,
  secretAccessKeyName}` attached to the ServiceAccount the InferenceService names
  (kserve/website docs/modelserving/storage/s3).

Where S3 lives (bucket, endpoint) stays in the release values, i.e. in stackplan.yaml; only the
credentials come from config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.desired.objects import HF_SECRET, HF_SECRET_KEY, KSERVE_ENGINES, S3_SECRET
from planner.emit.settings import EmitConfig
from planner.model import JSON, Plan
from planner.values import get_path, merge

KUBEAI_HF_SECRET = "kubeai-huggingface"


@dataclass(frozen=True)
class SecretSpec:
    """A Kubernetes Secret whose entries come from secret config keys."""

    name: str
    namespace: str
    owner: str  # release id for the stackplan.dev/release label
    entries: Mapping[str, str]  # Secret key -> stackplan config key
    annotations: Mapping[str, str] = field(default_factory=dict)

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


def _secret_keys(values: Mapping[str, JSON], key_paths: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """{Secret key: config key}, the Secret keys read from the values that name them (else the chart default)."""
    return {str(get_path(values, path) or default): config_key for config_key, (path, default) in key_paths.items()}


def wiring(plan: Plan, cfg: EmitConfig) -> Wiring:
    values: dict[str, dict[str, JSON]] = {}
    secrets: list[SecretSpec] = []
    slots: list[SecretSlot] = []
    hf = cfg.has("huggingfaceToken")
    s3 = cfg.has("s3AccessKeyId", "s3SecretAccessKey")
    models = {m.engine for m in plan.models}

    kubeai = plan.releases.get("kubeai")
    if kubeai is not None and hf:
        chart_secret = get_path(kubeai.values, "secrets.huggingface") or {}
        if chart_secret.get("create", True):
            slots.append(SecretSlot("kubeai", ("secrets", "huggingface", "token"), "huggingfaceToken"))
        else:
            name = chart_secret.get("name") or KUBEAI_HF_SECRET
            secrets.append(SecretSpec(name, kubeai.namespace, kubeai.id, {"token": "huggingfaceToken"}))

    vllm = plan.releases.get("vllm-stack")
    specs = get_path(vllm.values, "servingEngineSpec.modelSpec") if vllm is not None else None
    if vllm is not None and specs and hf:  # the plan's modelSpec (planner/desired/objects.py), each with the token
        token = {"secretName": HF_SECRET, "secretKey": HF_SECRET_KEY}
        values["vllm-stack"] = {"servingEngineSpec": {"modelSpec": [{**s, "hf_token": token} for s in specs]}}
        secrets.append(SecretSpec(HF_SECRET, vllm.namespace, vllm.id, {HF_SECRET_KEY: "huggingfaceToken"}))

    serving_models = "kserve" in plan.releases and bool(models & set(KSERVE_ENGINES))
    if serving_models and hf:
        secrets.append(SecretSpec(HF_SECRET, plan.workload_namespace, "kserve", {HF_SECRET_KEY: "huggingfaceToken"}))

    mlflow = plan.releases.get("mlflow")
    if mlflow is not None and s3 and get_path(mlflow.values, "artifactRoot.s3.enabled"):
        name = str(get_path(mlflow.values, "artifactRoot.s3.existingSecret.name") or S3_SECRET)
        entries = _secret_keys(mlflow.values, {
            "s3AccessKeyId": ("artifactRoot.s3.existingSecret.keyOfAccessKeyId", "AWS_ACCESS_KEY_ID"),
            "s3SecretAccessKey": ("artifactRoot.s3.existingSecret.keyOfSecretAccessKey", "AWS_SECRET_ACCESS_KEY"),
        })
        secrets.append(SecretSpec(name, mlflow.namespace, mlflow.id, entries))
    if mlflow is not None and cfg.has("mlflowDbPassword") and get_path(mlflow.values, "postgresql.enabled"):
        name = str(get_path(mlflow.values, "postgresql.auth.existingSecret") or f"{mlflow.id}-postgresql")
        entries = _secret_keys(mlflow.values, {
            "mlflowDbPassword": ("postgresql.auth.secretKeys.userPasswordKey", "password"),
            "mlflowDbAdminPassword": ("postgresql.auth.secretKeys.adminPasswordKey", "postgres-password"),
        })
        secrets.append(SecretSpec(name, mlflow.namespace, mlflow.id, entries))

    kserve = plan.releases.get("kserve")
    if kserve is not None and s3 and serving_models:
        entries = _secret_keys(kserve.values, {
            "s3AccessKeyId": ("kserve.storage.s3.accessKeyIdName", "AWS_ACCESS_KEY_ID"),
            "s3SecretAccessKey": ("kserve.storage.s3.secretAccessKeyName", "AWS_SECRET_ACCESS_KEY"),
        })
        # the ServiceAccount listing it is one of the plan's objects (planner/desired/objects.py)
        secrets.append(SecretSpec(S3_SECRET, plan.workload_namespace, kserve.id, entries))
    return Wiring(values=values, secrets=tuple(secrets), slots=tuple(slots))
