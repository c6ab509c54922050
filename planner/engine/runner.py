"""The edges apply talks to, as small Protocols: tests swap them for fakes (no helm, no cluster)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from planner.engine.charts import ChartTarget, KustomizeTarget
from planner.engine.state import ReleaseState
from planner.model import Release

FIELD_MANAGER = "stackplan"


@dataclass(frozen=True)
class Deployed:
    """What Helm records for a release: its status, chart and the digest of its user-supplied values."""

    status: str  # deployed | failed | pending-install | pending-upgrade | ...
    chart: str
    version: str
    values_digest: str
    revision: int


class HelmRunner(Protocol):
    async def deployed(self, release: Release) -> Deployed | None:
        """The release's current revision, or None when it was never installed."""
        ...

    async def upgrade(self, release: Release, target: ChartTarget, timeout: str, current: Deployed | None) -> str:
        """`helm upgrade --install --wait`; returns what was done; raises StepError with helm's reason."""
        ...


class KubeRunner(Protocol):
    async def ensure_namespace(self, name: str, labels: Mapping[str, str], manager: str) -> None:
        """Create the namespace and set `labels` server-side as field manager `manager`; raises StepError."""
        ...

    async def apply_kustomize(self, release: Release, target: KustomizeTarget, timeout: str) -> str:
        """Apply a kustomization server-side with the stackplan labels and wait for it; raises StepError."""
        ...


class Observer(Protocol):
    def update(self, release: str, state: ReleaseState, detail: str = "") -> None: ...
