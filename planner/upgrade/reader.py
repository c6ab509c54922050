"""Read what `stackplan upgrade` needs, through the cluster edge's public reader (`planner.cluster.Reader`).

One LIST of Helm release records per plan namespace (Secrets with fieldSelector type=helm.sh/release.v1,
decoded by planner/drift/helm_records.py: no other Secret is requested or decoded) and one LIST of CRDs
(for status.storedVersions). A LIST that fails is named in `unread`; an unreachable cluster propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from planner.cluster import Reader, ReadError
from planner.drift.helm_records import FIELD_SELECTOR, latest_releases
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
    return Installed(releases=decoded.releases, record_errors=decoded.errors, crds=crds, unread=unread,
                     kubernetes_version=kubernetes_version)
