"""Read what `stackplan upgrade` needs, through the cluster edge's public reader (`planner.cluster.Reader`).

One LIST of Helm release records per plan namespace (Secrets with fieldSelector type=helm.sh/release.v1,
decoded by planner/drift/helm_records.py: no other Secret is requested or decoded) and one LIST of CRDs
(for status.storedVersions). A plan with kustomize releases adds one LIST per workload kind, labelled
managed-by=stackplan: their digest stamps say whether a kustomize release is current. A LIST that fails is
named in `unread`; an unreachable cluster propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from planner.cluster import Reader, ReadError
from planner.desired.labels import MANAGED_BY, MANAGER, RELEASE, VALUES_DIGEST
from planner.drift.helm_records import FIELD_SELECTOR, latest_releases
from planner.kinds import CRDS, DAEMONSETS, DEPLOYMENTS, HELM_RELEASE_SECRETS, STATEFULSETS
from planner.model import Plan
from planner.upgrade.plan import Installed, summarize_crd

STAMPED_KINDS = (DEPLOYMENTS, STATEFULSETS, DAEMONSETS)  # what a kustomize release runs (drift reads the same)


def read_installed(reader: Reader, plan: Plan, *, kubernetes_version: str | None = None,
                   workers: int = 4) -> Installed:
    namespaces = plan.namespaces()
    calls: dict[str, Callable[[], list[dict[str, Any]]]] = {
        f"secrets/{ns}": partial(reader.list, HELM_RELEASE_SECRETS, ns, field_selector=FIELD_SELECTOR)
        for ns in namespaces
    }
    calls["crds"] = partial(reader.list, CRDS)
    kustomize = any(r.how.kustomize for r in plan.releases.values())
    if kustomize:  # their objects' stamps say whether they are current (one LIST per workload kind)
        calls.update({f"stamped/{k.kind}": partial(reader.list, k, label_selector=f"{MANAGED_BY}={MANAGER}")
                      for k in STAMPED_KINDS})

    def run(label: str) -> tuple[str, list[dict[str, Any]] | ReadError]:
        try:
            return label, calls[label]()
        except ReadError as e:
            return label, e

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(calls)))) as pool:
        results = dict(pool.map(run, calls))
    unread = {label: res.reason for label, res in results.items() if isinstance(res, ReadError)}
    secrets = [s for ns in namespaces if isinstance(res := results[f"secrets/{ns}"], list) for s in res]
    decoded = latest_releases(secrets)
    crds = {}
    if isinstance(res := results["crds"], list):
        crds = {c.name: c for c in map(summarize_crd, res)}
    stamped: dict[str, tuple[str, ...]] | None = {}
    if kustomize:
        stamped = _stamped(results, set(namespaces))
    return Installed(releases=decoded.releases, record_errors=decoded.errors, crds=crds, unread=unread,
                     kubernetes_version=kubernetes_version, stamped=stamped)


def _stamped(results: dict[str, list[dict[str, Any]] | ReadError],
             namespaces: set[str]) -> dict[str, tuple[str, ...]] | None:
    """release id -> digests stamped on its objects (CRDs; workloads in the plan's namespaces), None if unread."""
    out: dict[str, list[str]] = {}
    for label in ("crds", *(f"stamped/{k.kind}" for k in STAMPED_KINDS)):
        res = results[label]
        if isinstance(res, ReadError):
            return None
        for obj in res:
            meta = obj.get("metadata") or {}
            labels = meta.get("labels") or {}
            if labels.get(MANAGED_BY) != MANAGER or not labels.get(RELEASE):
                continue
            if label != "crds" and meta.get("namespace") not in namespaces:
                continue  # the same release id in another namespace is another stack's
            out.setdefault(labels[RELEASE], []).append(str((meta.get("annotations") or {}).get(VALUES_DIGEST)))
    return {rid: tuple(d) for rid, d in out.items()}
