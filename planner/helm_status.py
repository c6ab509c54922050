"""Helm release status from labels only: the newest revision of each release, never a Secret's data.

Helm 3 stores each revision as a Secret `sh.helm.release.v1.<name>.v<revision>` labelled `name`,
`owner=helm`, `status` and `version` (helm/helm:pkg/storage/driver/secrets.go@v3.22.0 newSecretsObject;
statuses: pkg/release/status.go@v3.22.0). `stackplan check` lists those Secrets as PartialObjectMetadata —
the API server answers with metadata only (kubernetes/kubernetes:staging/src/k8s.io/apimachinery/pkg/apis/
meta/v1/types.go PartialObjectMetadataList; the `as=` Accept parameter: k8s.io/apiserver
pkg/endpoints/handlers/response.go) — and this module keeps only name, namespace and those labels.
The cluster edge (planner/cluster.py `list_metadata`) does the request; this module is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# the Accept header asking for metadata only (meta.k8s.io/v1 PartialObjectMetadataList)
METADATA_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA_LIST_KIND = "PartialObjectMetadataList"
OWNER_SELECTOR = "owner=helm"
KEPT_LABELS = ("name", "owner", "status", "version")

# helm/helm:pkg/release/status.go@v3.22.0
FAILED = "failed"
PENDING = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})
BROKEN = PENDING | {FAILED}


@dataclass(frozen=True)
class ReleaseStatus:
    """The newest revision of one release, as its record's labels say."""

    name: str
    namespace: str
    status: str
    version: int
    record: str  # the Secret's name (never its data)

    @property
    def broken(self) -> bool:
        return self.status in BROKEN


def strip(item: Mapping[str, Any]) -> dict[str, Any]:
    """What is kept of one listed object: name, namespace and Helm's four labels. Nothing else survives."""
    meta = item.get("metadata") or {}
    labels = meta.get("labels") or {}
    return {"metadata": {"name": str(meta.get("name", "")), "namespace": meta.get("namespace"),
                         "labels": {k: str(labels[k]) for k in KEPT_LABELS if k in labels}}}


def newest(items: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], ReleaseStatus]:
    """(namespace, release name) -> its newest revision, from stripped metadata items."""
    out: dict[tuple[str, str], ReleaseStatus] = {}
    for item in items:
        meta = item.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get("owner") != "helm" or not labels.get("name"):
            continue
        try:
            version = int(labels.get("version", ""))
        except ValueError:
            continue
        key = (meta.get("namespace") or "", labels["name"])
        if key not in out or version > out[key].version:
            out[key] = ReleaseStatus(labels["name"], key[0], labels.get("status", ""), version, meta.get("name", ""))
    return out
