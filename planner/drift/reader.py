"""Read what drift compares, through the cluster edge (`planner.cluster.ClusterReader`).

API requests do not depend on the number of components: one LIST of Helm release records per plan
namespace (Secrets with fieldSelector `type=helm.sh/release.v1`; no other Secret is requested), one
LIST of CRDs, one cluster-wide LIST per workload kind and one of HorizontalPodAutoscalers (DR010 leaves
replicas an HPA owns alone). Everything runs in parallel. Only each release's newest record is decoded;
every other Secret field is dropped here. Live workloads are summarized for DR010 only when a release
manifest names them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from planner.cluster import Reader, ReadError, list_each
from planner.drift.customs import kinds_to_read, summarize
from planner.drift.helm_records import latest_releases
from planner.drift.live import (
    WORKLOAD_KINDS,
    LiveCrd,
    LiveFacts,
    LiveObject,
    hpa_target,
    summarize_crd,
    summarize_object,
)
from planner.drift.workloads import HPA_UNREAD
from planner.kinds import (
    CRDS,
    DAEMONSETS,
    DEPLOYMENTS,
    HELM_RELEASE_SECRETS,
    HELM_RELEASE_TYPE,
    HPAS,
    STATEFULSETS,
    Kind,
)
from planner.model import Plan

# the LIST of each workload kind drift reads (live.WORKLOAD_KINDS); upgrade reads the same kinds
WORKLOADS: dict[str, Kind] = {"Deployment": DEPLOYMENTS, "DaemonSet": DAEMONSETS, "StatefulSet": STATEFULSETS}
RECORD_SELECTOR = f"type={HELM_RELEASE_TYPE}"


def read_live(reader: Reader, plan: Plan, *, workers: int = 8) -> LiveFacts:
    """LiveFacts for `plan`. A LIST that fails becomes an `unread` entry; ClusterUnreachableError propagates."""
    namespaces: Sequence[str] = plan.namespaces()
    calls: dict[str, Callable[[], list[dict[str, Any]]]] = {
        f"secrets/{ns}": partial(reader.list, HELM_RELEASE_SECRETS, ns, field_selector=RECORD_SELECTOR)
        for ns in namespaces
    }
    calls["crds"] = partial(reader.list, CRDS)
    calls.update({name: partial(reader.list, kind) for name, kind in WORKLOADS.items() if name in WORKLOAD_KINDS})
    calls[HPA_UNREAD] = partial(reader.list, HPAS)
    customs = {f"custom/{k.kind}": k for k in kinds_to_read(plan)}  # DR009: one LIST per declared kind
    calls.update({label: partial(reader.list, kind) for label, kind in customs.items()})

    results = list_each(calls, workers)  # ClusterUnreachableError re-raises here

    unread = {label: res.reason for label, res in results.items() if isinstance(res, ReadError)}
    hpa_error = unread.pop(HPA_UNREAD, "")  # only DR010's replicas depend on it
    custom_unread = {customs[label].kind: unread.pop(label) for label in customs if label in unread}
    custom = {k.kind: summarize(plan, k.kind, res) for label, k in customs.items()
              if isinstance(res := results[label], list)}
    secrets = [s for ns in namespaces if isinstance(res := results[f"secrets/{ns}"], list) for s in res]
    decoded = latest_releases(secrets)
    crds: dict[str, LiveCrd] = {}
    if isinstance(res := results["crds"], list):
        crds = {c.name: c for c in map(summarize_crd, res)}
    named = {w.key for rel in decoded.releases.values() for w in rel.workloads}  # (kind, namespace, name)
    workloads: dict[str, dict[tuple[str, str], LiveObject]] = {}
    for name in WORKLOADS:
        if isinstance(res := results.get(name), list):
            objs = (summarize_object(name, o, with_spec=(name, *_ns_name(o)) in named) for o in res)
            workloads[name] = {(o.namespace or "", o.name): o for o in objs}
    autoscaled: frozenset[tuple[str, str, str]] = frozenset()
    if isinstance(res := results[HPA_UNREAD], list):
        autoscaled = frozenset(t for t in map(hpa_target, res) if t)
    return LiveFacts(releases=decoded.releases, record_errors=decoded.errors, crds=crds, workloads=workloads,
                     unread=unread, autoscaled=autoscaled, hpa_error=hpa_error, custom=custom,
                     custom_unread=custom_unread)


def _ns_name(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")
