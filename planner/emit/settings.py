"""What the Pulumi program reads from stack config (`stackplan:*` keys). Pure: values in, value out.

| key | default | meaning |
|---|---|---|
| `stackplan:stackFile` | `stackplan.yaml` | the stack file, relative to the project |
| `stackplan:phase` | `all` | `operators` installs namespaces and releases only; `all` adds the custom resources |
| `stackplan:workloadNamespace` | `ml-workloads` | namespace for LocalQueues, InferenceServices, model Secrets |
| `stackplan:helmTimeout` | `1200` | seconds Helm waits for a release's resources |
| `stackplan:huggingfaceToken` | – | **secret**: token for gated Hugging Face models |
| `stackplan:s3Bucket`, `s3Path`, `s3Endpoint`, `s3Region` | – | S3 artifact store for MLflow and KServe |
| `stackplan:s3AccessKeyId`, `s3SecretAccessKey` | – | **secret**: required when `s3Bucket` is set |

Secrets never pass through this module as plain values: `secrets` holds Pulumi Outputs (or, in
tests, any opaque object) keyed by the config key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.errors import InputError

PHASES = ("operators", "all")
SECRET_KEYS = ("huggingfaceToken", "s3AccessKeyId", "s3SecretAccessKey")
DEFAULT_WORKLOAD_NAMESPACE = "ml-workloads"


@dataclass(frozen=True)
class S3:
    bucket: str
    path: str = ""
    endpoint: str | None = None  # host[:port] or URL; None: AWS S3
    region: str | None = None


@dataclass(frozen=True)
class EmitConfig:
    phase: str = "all"
    workload_namespace: str = DEFAULT_WORKLOAD_NAMESPACE
    helm_timeout: int = 1200
    s3: S3 | None = None
    secrets: Mapping[str, Any] = field(default_factory=dict)  # config key -> secret Output

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise InputError(f"stackplan:phase is {self.phase!r}", hint=f"use one of: {', '.join(PHASES)}")
        if self.s3 and not all(self.secrets.get(k) is not None for k in ("s3AccessKeyId", "s3SecretAccessKey")):
            raise InputError("stackplan:s3Bucket is set but the S3 credentials are not",
                             hint="pulumi config set --secret stackplan:s3AccessKeyId …; "
                                  "pulumi config set --secret stackplan:s3SecretAccessKey …")

    @property
    def with_custom_resources(self) -> bool:
        return self.phase == "all"

    def secret(self, key: str) -> Any:
        return self.secrets.get(key)


def config_from_values(values: Mapping[str, str | None], secrets: Mapping[str, Any]) -> EmitConfig:
    """Build the config from plain `stackplan:*` values (keys without the namespace) and secret Outputs."""
    bucket = values.get("s3Bucket")
    s3 = S3(bucket=bucket, path=values.get("s3Path") or "", endpoint=values.get("s3Endpoint") or None,
            region=values.get("s3Region") or None) if bucket else None
    timeout = values.get("helmTimeout")
    try:
        helm_timeout = int(timeout) if timeout else 1200
    except ValueError as e:
        raise InputError(f"stackplan:helmTimeout is {timeout!r}", hint="give a number of seconds") from e
    return EmitConfig(
        phase=values.get("phase") or "all",
        workload_namespace=values.get("workloadNamespace") or DEFAULT_WORKLOAD_NAMESPACE,
        helm_timeout=helm_timeout,
        s3=s3,
        secrets={k: v for k, v in secrets.items() if v is not None},
    )
