"""The labels and annotations that mark an object as stackplan's, so check and drift can find it. Pure.

What carries them (docs/pulumi.md, "Labels"):
- namespaces stackplan creates, every custom resource and Secret it creates, and every object of a
  kustomize release (added by a transformation before the object is registered);
- objects of Helm releases are marked by Helm itself: Helm overwrites `app.kubernetes.io/managed-by`
  with `Helm` and adds the annotations `meta.helm.sh/release-name` / `meta.helm.sh/release-namespace`
  (helm/helm pkg/action/validate.go `setMetadataVisitor`), and the release name is the plan's release
  id; the values live in Helm's release record, which drift reads.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "stackplan"
RELEASE = "stackplan.dev/release"
VALUES_DIGEST = "stackplan.dev/values-digest"
SPEC_DIGEST = "stackplan.dev/spec-digest"  # custom resources: digest of the object stackplan asked for
RELEASES = "stackplan.dev/releases"  # namespaces shared by several releases: all of them, comma-separated


def identity_labels(release_id: str) -> dict[str, str]:
    return {MANAGED_BY: MANAGER, RELEASE: release_id}


def identity_annotations(values_digest: str) -> dict[str, str]:
    return {VALUES_DIGEST: values_digest}


def stamp(obj: Mapping[str, Any], release_id: str, values_digest: str,
          extra_annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A copy of a manifest with stackplan's labels and annotations merged into its metadata."""
    out = copy.deepcopy(dict(obj))
    stamp_in_place(out, release_id, values_digest, extra_annotations)
    return out


def stamp_in_place(obj: dict[str, Any], release_id: str, values_digest: str,
                   extra_annotations: Mapping[str, str] | None = None) -> None:
    """Merge the identity into `obj["metadata"]` (used by kustomize transformations, which must mutate)."""
    meta = obj.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), **identity_labels(release_id)}
    meta["annotations"] = {**(meta.get("annotations") or {}), **identity_annotations(values_digest),
                           **(extra_annotations or {})}


def is_stamped(obj: Mapping[str, Any], release_id: str | None = None) -> bool:
    """Does this manifest carry stackplan's identity (for `release_id`, if given)?"""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if labels.get(MANAGED_BY) != MANAGER or VALUES_DIGEST not in annotations:
        return False
    return release_id is None or labels.get(RELEASE) == release_id
