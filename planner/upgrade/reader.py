"""Read what `stackplan upgrade` needs, through the cluster edge's public reader (`planner.cluster.Reader`).

One LIST of Helm release records per plan namespace (Secrets with fieldSelector type=helm.sh/release.v1,
decoded by planner/drift/helm_records.py: no other Secret is requested or decoded) and one LIST of CRDs
(for status.storedVersions). A plan with kustomize releases adds one LIST per workload kind, labelled
managed-by=stackplan: their digest stamps say whether a kustomize release is current. A LIST that fails is
named in `unread`; an unreachable cluster propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from planner.cluster import Reader, ReadError, list_each
from planner.desired.labels import MANAGED_BY, MANAGER
from planner.drift.helm_records import FIELD_SELECTOR, latest_releases
from planner.drift.live import LiveFacts, summarize_object
from planner.drift.live import summarize_crd as summarize_live_crd
from planner.drift.reader import WORKLOADS
from planner.kinds import CRDS, HELM_RELEASE_SECRETS
from planner.model import Plan
from planner.upgrade.plan import Installed, summarize_crd


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
        calls.update({f"stamped/{name}": partial(reader.list, kind, label_selector=f"{MANAGED_BY}={MANAGER}")
                      for name, kind in WORKLOADS.items()})
    results = list_each(calls, workers)  # ClusterUnreachableError re-raises here
    unread = {label: res.reason for label, res in results.items() if isinstance(res, ReadError)}
    secrets = [s for ns in namespaces if isinstance(res := results[f"secrets/{ns}"], list) for s in res]
    decoded = latest_releases(secrets)
    crds = {}
    if isinstance(res := results["crds"], list):
        crds = {c.name: c for c in map(summarize_crd, res)}
    stamped = _stamped(results) if kustomize else LiveFacts()
    return Installed(releases=decoded.releases, record_errors=decoded.errors, crds=crds, unread=unread,
                     kubernetes_version=kubernetes_version, stamped=stamped)


def _stamped(results: Mapping[str, list[dict[str, Any]] | ReadError]) -> LiveFacts | None:
    """The CRDs and labelled workloads as drift summarizes them (planner/drift/live.py); None if one is unread."""
    lists = {label: results[label] for label in ("crds", *(f"stamped/{name}" for name in WORKLOADS))}
    if any(isinstance(res, ReadError) for res in lists.values()):
        return None
    workloads = {name: {(o.namespace or "", o.name): o
                        for o in (summarize_object(name, raw) for raw in lists[f"stamped/{name}"])}
                 for name in WORKLOADS}
    return LiveFacts(crds={c.name: c for c in map(summarize_live_crd, lists["crds"])}, workloads=workloads)
