"""What an installing release waits for: progress knows when helm/kubectl really start, and a failed or
timed-out `helm --wait` names the workloads that were not ready ("Deployment kubeai/kubeai: 1/2 ready").

`Observed*` wrap the runners `apply_plan` gets: the engine marks a release `installing` before it asks Helm
whether the release is already up to date, so progress only announces an install when `upgrade` (or a
kustomize apply) is actually called; an up-to-date release shows as `up to date`, never as `installing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from planner.engine.charts import ChartTarget, KustomizeTarget
from planner.engine.state import StepError
from planner.model import Release

WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
_MAX_LISTED = 5


class Starts(Protocol):
    def started(self, release: str, what: str) -> None: ...


def workload_refs(manifest: Iterable[Any], default_ns: str) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of the Deployments, DaemonSets and StatefulSets in a release manifest."""
    out = []
    for doc in manifest:
        if isinstance(doc, dict) and doc.get("kind") in WORKLOAD_KINDS:
            meta = doc.get("metadata") or {}
            if meta.get("name"):
                out.append((str(doc["kind"]), str(meta.get("namespace") or default_ns), str(meta["name"])))
    return out


def readiness(obj: Mapping[str, Any]) -> tuple[int, int]:
    """(ready, wanted) for a Deployment, DaemonSet or StatefulSet as the API returns it."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if obj.get("kind") == "DaemonSet":
        return int(status.get("numberReady") or 0), int(status.get("desiredNumberScheduled") or 0)
    wanted = spec.get("replicas")
    return int(status.get("readyReplicas") or 0), int(1 if wanted is None else wanted)


def not_ready(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """"Deployment ns/name: 1/2 ready" for each object with fewer ready pods than it wants."""
    lines = []
    for obj in objects:
        ready, wanted = readiness(obj)
        if ready < wanted:
            meta = obj.get("metadata") or {}
            lines.append(f"{obj.get('kind')} {meta.get('namespace')}/{meta.get('name')}: {ready}/{wanted} ready")
    return lines


def with_not_ready(message: str, lines: list[str]) -> str:
    if not lines:
        return message
    shown = "; ".join(lines[:_MAX_LISTED]) + (f"; and {len(lines) - _MAX_LISTED} more" if len(lines) > _MAX_LISTED
                                              else "")
    return f"{message} — not ready: {shown}"


class ObservedHelm:
    """A HelmRunner that tells progress when an install really starts, and names what was not ready when
    it fails (needs a kube runner that can `get_objects`)."""

    def __init__(self, helm: Any, kube: Any, progress: Starts) -> None:
        self._helm, self._kube, self._progress = helm, kube, progress

    def __getattr__(self, name: str) -> Any:
        return getattr(self._helm, name)

    async def upgrade(self, release: Release, target: ChartTarget, timeout: str, current: Any) -> str:
        verb = "installing" if current is None else "upgrading"
        self._progress.started(release.id, f"{verb} {target.describe()}; helm --wait until its workloads "
                                           f"are ready (timeout {timeout})")
        try:
            return await self._helm.upgrade(release, target, timeout, current)
        except StepError as e:
            lines = await self._not_ready(release)
            raise StepError(with_not_ready(e.message, lines)) from e

    async def _not_ready(self, release: Release) -> list[str]:
        if self._kube is None or not hasattr(self._kube, "get_objects"):
            return []
        try:
            refs = workload_refs(await self._helm.manifest(release), release.namespace)
            return not_ready(await self._kube.get_objects(refs)) if refs else []
        except Exception:  # the failure reason matters more than this hint
            return []


class ObservedKube:
    """A KubeRunner that tells progress when a kustomize apply really starts."""

    def __init__(self, kube: Any, progress: Starts) -> None:
        self._kube, self._progress = kube, progress

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kube, name)

    async def apply_kustomize(self, release: Release, target: KustomizeTarget, timeout: str) -> str:
        self._progress.started(release.id, f"applying {target.describe()}; waiting for rollouts (timeout {timeout})")
        return await self._kube.apply_kustomize(release, target, timeout)
