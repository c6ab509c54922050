"""What the Pulumi program reads from stack config (`stackplan:*` keys). Pure: values in, value out.

| key | default | meaning |
|---|---|---|
| `stackplan:stackFile` | `stackplan.yaml` | the stack file, relative to the project |
| `stackplan:phase` | `all` | `operators`: namespaces, Secrets, releases only; `all`: plus custom resources |
| `stackplan:workloadNamespace` | – | **deprecated**: the stack file's `workloadNamespace` replaces it; must equal it |
| `stackplan:helmTimeout` | `1200` | seconds Helm waits for a release's resources |
| `stackplan:huggingfaceToken` | – | **secret**: token for gated Hugging Face models |
| `stackplan:s3AccessKeyId`, `s3SecretAccessKey` | – | **secret**, both or neither: S3 credentials (MLflow, KServe) |
| `stackplan:mlflowDbPassword`, `mlflowDbAdminPassword` | – | **secret**, both or neither: MLflow's bundled PostgreSQL |

Where S3 lives (bucket, endpoint, region) is not config: it is in the release values, i.e. in
stackplan.yaml (full-mlops sets it). Secrets never pass through this module as plain values:
`secrets` holds Pulumi secret Outputs (or, in tests, any opaque object) keyed by config key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.errors import InputError

PHASES = ("operators", "all")
SECRET_PAIRS = (("s3AccessKeyId", "s3SecretAccessKey"), ("mlflowDbPassword", "mlflowDbAdminPassword"))
SECRET_KEYS = ("huggingfaceToken", *(k for pair in SECRET_PAIRS for k in pair))
PLAIN_KEYS = ("phase", "workloadNamespace", "helmTimeout")
DEFAULT_HELM_TIMEOUT = 1200


@dataclass(frozen=True)
class EmitConfig:
    phase: str = "all"
    workload_namespace: str | None = None  # the deprecated stackplan:workloadNamespace, when set
    helm_timeout: int = DEFAULT_HELM_TIMEOUT
    secrets: Mapping[str, Any] = field(default_factory=dict)  # config key -> secret Output

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise InputError(f"stackplan:phase is {self.phase!r}", hint=f"use one of: {', '.join(PHASES)}")
        unknown = set(self.secrets) - set(SECRET_KEYS)
        if unknown:
            raise InputError(f"unknown secret config key(s): {', '.join(sorted(unknown))}",
                             hint=f"known: {', '.join(SECRET_KEYS)}")
        for a, b in SECRET_PAIRS:
            if (self.secret(a) is None) != (self.secret(b) is None):
                missing = b if self.secret(b) is None else a
                raise InputError(f"stackplan:{a} and stackplan:{b} go together; stackplan:{missing} is not set",
                                 hint=f"pulumi config set --secret stackplan:{missing} …")

    @property
    def with_custom_resources(self) -> bool:
        return self.phase == "all"

    def secret(self, key: str) -> Any:
        return self.secrets.get(key)

    def has(self, *keys: str) -> bool:
        return all(self.secret(k) is not None for k in keys)


def config_from_values(values: Mapping[str, str | None], secrets: Mapping[str, Any]) -> EmitConfig:
    """Build the config from plain `stackplan:*` values (keys without the namespace) and secret Outputs."""
    timeout = values.get("helmTimeout")
    try:
        helm_timeout = int(timeout) if timeout else DEFAULT_HELM_TIMEOUT
    except ValueError as e:
        raise InputError(f"stackplan:helmTimeout is {timeout!r}", hint="give a number of seconds") from e
    return EmitConfig(
        phase=values.get("phase") or "all",
        workload_namespace=values.get("workloadNamespace") or None,
        helm_timeout=helm_timeout,
        secrets={k: v for k, v in secrets.items() if v is not None},
    )


def legacy_workload_namespace(cfg: EmitConfig, planned: str) -> str | None:
    """The deprecation warning for `stackplan:workloadNamespace`, if set; InputError if it differs from the plan's
    (check, drift and apply only see the stack file, so the program must not put the objects elsewhere)."""
    legacy = cfg.workload_namespace
    if legacy is None:
        return None
    if legacy != planned:
        raise InputError(f"stackplan:workloadNamespace is {legacy!r}, the stack file's workloadNamespace is "
                         f"{planned!r}",
                         hint=f"move it to stackplan.yaml (`workloadNamespace: {legacy}`) and run "
                              "`pulumi config rm stackplan:workloadNamespace`")
    return ("stackplan:workloadNamespace is deprecated: the stack file's `workloadNamespace` is used "
            "(remove it with `pulumi config rm stackplan:workloadNamespace`)")
