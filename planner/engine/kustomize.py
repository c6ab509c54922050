"""Pure helpers for kustomize releases: the labelling overlay, and splitting rendered manifests.

The overlay is a kustomization in a temp dir whose only resource is the release's kustomization
(local path or remote URL); it adds `labels` (not selectors, which are immutable on Deployments) and
`commonAnnotations`. Rendered manifests are applied in two phases: CRDs and Namespaces first (then
wait until the CRDs are Established), everything else after — as upstream's install docs do by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from planner.desired.labels import VALUES_DIGEST, identity_labels
from planner.model import Release

FIRST_KINDS = {"CustomResourceDefinition", "Namespace"}
ROLLOUT_KINDS = {"Deployment": "deployment", "DaemonSet": "daemonset", "StatefulSet": "statefulset"}


def overlay(release: Release, location: str) -> dict[str, Any]:
    """The kustomization.yaml that labels and annotates everything of `location`."""
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [location],
        "labels": [{"pairs": identity_labels(release.id), "includeSelectors": False, "includeTemplates": False}],
        "commonAnnotations": {VALUES_DIGEST: release.values_digest},
    }


def partition(docs: Iterable[Any]) -> tuple[list[dict], list[dict]]:
    """(CRDs and Namespaces, everything else); empty and non-object documents dropped."""
    first: list[dict] = []
    rest: list[dict] = []
    for doc in docs:
        if not isinstance(doc, dict) or not doc.get("kind"):
            continue
        if doc.get("kind") == "List":
            sub_first, sub_rest = partition(doc.get("items") or [])
            first += sub_first
            rest += sub_rest
        elif doc["kind"] in FIRST_KINDS:
            first.append(doc)
        else:
            rest.append(doc)
    return first, rest


def crd_names(docs: Iterable[dict]) -> list[str]:
    return [str(d["metadata"]["name"]) for d in docs
            if d.get("kind") == "CustomResourceDefinition" and (d.get("metadata") or {}).get("name")]


def rollouts(docs: Iterable[dict], default_namespace: str) -> list[tuple[str, str, str]]:
    """(namespace, kind, name) of the workloads to wait for, in document order."""
    out = []
    for d in docs:
        kind = ROLLOUT_KINDS.get(str(d.get("kind")))
        meta = d.get("metadata") or {}
        if kind and meta.get("name"):
            out.append((str(meta.get("namespace") or default_namespace), kind, str(meta["name"])))
    return out
