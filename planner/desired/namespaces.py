"""The namespaces the program creates, with labels. Pure.

Every namespace of the plan is created by stackplan (Helm releases use `create_namespace=False`;
kustomize manifests' own Namespace objects for these names are dropped, so one resource owns each
namespace); system namespaces (`default`, `kube-*`) are never created or labelled.
Labels: stackplan's identity for the first release installed there, the union of the releases'
`namespaceLabels` (e.g. Pod Security `enforce: privileged` for the GPU Operator); when two releases
ask for different Pod Security levels the least restrictive wins, since both must run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.desired.labels import RELEASES, identity_annotations, identity_labels
from planner.model import Plan

_PSA_PREFIX = "pod-security.kubernetes.io/"
# never created (or deleted on `pulumi destroy`) by stackplan, whatever a blueprint says
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
_PSA_ORDER = ("privileged", "baseline", "restricted")  # least restrictive first


@dataclass(frozen=True)
class NamespaceSpec:
    name: str
    owner: str  # first release installed into it
    releases: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


def _merge_label(key: str, old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    if key.startswith(_PSA_PREFIX) and old in _PSA_ORDER and new in _PSA_ORDER:
        return min(old, new, key=_PSA_ORDER.index)
    return old  # first release (install order) wins for anything else


def namespace_specs(plan: Plan, extra: Iterable[tuple[str, str]] = ()) -> list[NamespaceSpec]:
    """One spec per namespace: the plan's, plus `extra` (namespace, owner release) pairs for
    namespaces only stackplan's own objects use (e.g. the workload namespace)."""
    members: dict[str, list[str]] = {}
    for rel in plan.ordered():
        members.setdefault(rel.namespace, []).append(rel.id)
    for ns, owner in extra:
        members.setdefault(ns, [owner])
    out = []
    for ns in sorted(set(members) - SYSTEM_NAMESPACES):
        rids = members[ns]
        owner = rids[0]
        labels: dict[str, str] = {}
        for rid in rids:
            rel = plan.releases.get(rid)
            for key, value in sorted((rel.namespace_labels if rel else {}).items()):
                labels[key] = _merge_label(key, labels.get(key), value)
        labels.update(identity_labels(owner))
        owner_rel = plan.releases.get(owner)
        annotations = identity_annotations(owner_rel.values_digest) if owner_rel else {}
        annotations[RELEASES] = ",".join(sorted(set(rids)))
        out.append(NamespaceSpec(ns, owner, tuple(rids), labels, annotations))
    return out
