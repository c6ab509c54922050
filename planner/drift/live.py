"""What drift knows about the live cluster: small frozen summaries, never whole objects.

`reader.py` builds a LiveFacts from the cluster; tests build them by hand. Secret data never reaches
here except the decoded Helm release records' user-supplied values (`HelmRelease.config`) and the literal env
values of their workloads (Secret-like names only as a sha256, see workloads.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.desired.labels import MANAGED_BY, MANAGER  # one definition of stackplan's marks
from planner.desired.labels import RELEASE as RELEASE_LABEL
from planner.drift.helm_records import HelmRelease
from planner.drift.workloads import WorkloadSpec, summarize_workload

# workload kinds drift reads, one cluster-wide LIST each (Jobs are left to `check`: Helm deletes hook Jobs
# after they succeed, so a missing Job is not drift)
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet")


@dataclass(frozen=True)
class LiveObject:
    kind: str
    name: str
    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    spec: WorkloadSpec | None = None  # DR010's summary, only for workloads a release manifest names

    @property
    def stackplan_release(self) -> str | None:
        """The plan release id of an object stackplan applied (kustomize components), else None."""
        if self.labels.get(MANAGED_BY) != MANAGER:
            return None
        return self.labels.get(RELEASE_LABEL) or None

    def ref(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class LiveCrd(LiveObject):
    served: tuple[str, ...] = ()
    storage: str | None = None


@dataclass(frozen=True)
class LiveFacts:
    """Everything drift read. A source that could not be read is named in `unread` with the reason:
    `secrets/<namespace>`, `crds`, or a workload kind."""

    releases: Mapping[tuple[str, str], HelmRelease] = field(default_factory=dict)  # (namespace, name)
    record_errors: Mapping[tuple[str, str], str] = field(default_factory=dict)
    crds: Mapping[str, LiveCrd] = field(default_factory=dict)
    workloads: Mapping[str, Mapping[tuple[str, str], LiveObject]] = field(default_factory=dict)  # kind -> objs
    unread: Mapping[str, str] = field(default_factory=dict)
    autoscaled: frozenset[tuple[str, str, str]] = frozenset()  # (namespace, kind, name) an HPA targets
    hpa_error: str = ""  # why HorizontalPodAutoscalers could not be listed (then `autoscaled` is unknown)
    custom: Mapping[str, Mapping[tuple[str, str], Any]] = field(default_factory=dict)  # DR009: kind -> declared objs
    custom_unread: Mapping[str, str] = field(default_factory=dict)  # DR009: kind -> why it could not be listed

    def release(self, namespace: str, name: str) -> HelmRelease | None:
        return self.releases.get((namespace, name))

    def labelled(self, release_id: str, namespaces: Collection[str]) -> list[LiveObject]:
        """Objects stackplan labelled as `release_id`'s: cluster-scoped ones (CRDs) and workloads in `namespaces`
        (the same id may be another stack's release in another namespace)."""
        return [o for o in self.stackplan_objects(namespaces) if o.stackplan_release == release_id]

    def stackplan_objects(self, namespaces: Collection[str]) -> list[LiveObject]:
        """Every object labelled managed-by stackplan: CRDs, and workloads in `namespaces`."""
        out: list[LiveObject] = [c for c in self.crds.values() if c.stackplan_release]
        for objs in self.workloads.values():
            out += [o for o in objs.values() if o.stackplan_release and o.namespace in namespaces]
        return sorted(out, key=LiveObject.ref)


def summarize_object(kind: str, obj: Mapping[str, Any], with_spec: bool = False) -> LiveObject:
    meta = obj.get("metadata") or {}
    return LiveObject(kind=kind, name=str(meta.get("name") or ""), namespace=meta.get("namespace"),
                      labels=dict(meta.get("labels") or {}), annotations=dict(meta.get("annotations") or {}),
                      spec=summarize_workload(obj, kind) if with_spec else None)


def hpa_target(obj: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(namespace, kind, name) of an autoscaling/v2 HorizontalPodAutoscaler's `spec.scaleTargetRef`, if it
    targets a workload kind drift reads (k8s.io/api autoscaling/v2 types.go CrossVersionObjectReference; its
    apiVersion is not checked, so an old `extensions/v1beta1` reference still counts)."""
    ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
    if ref.get("kind") not in WORKLOAD_KINDS:
        return None
    return str((obj.get("metadata") or {}).get("namespace") or ""), str(ref["kind"]), str(ref.get("name") or "")


def summarize_crd(obj: Mapping[str, Any]) -> LiveCrd:
    """A CustomResourceDefinition's name, labels and versions (spec.versions[].served / .storage)."""
    meta = obj.get("metadata") or {}
    versions = (obj.get("spec") or {}).get("versions") or []
    served = tuple(str(v.get("name")) for v in versions if v.get("served"))
    storage = next((str(v.get("name")) for v in versions if v.get("storage")), None)
    return LiveCrd(kind="CustomResourceDefinition", name=str(meta.get("name") or ""), namespace=None,
                   labels=dict(meta.get("labels") or {}), annotations=dict(meta.get("annotations") or {}),
                   served=served, storage=storage)
