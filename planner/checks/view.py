"""ClusterView: what a check sees — the plan (scoped to the selected components) plus read-only,
cluster-wide lists of objects, one LIST per kind shared by every check, with small indexes.

A kind that cannot be read raises `ReadError` from the accessor; the runner turns that into UNKNOWN
findings for the checks that needed it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from planner.checks import k8s
from planner.cluster import Reader
from planner.kinds import ENDPOINT_SLICES, EVENTS, NODES, PODS, Kind
from planner.model import Plan, Release

Obj = dict[str, Any]

# Only Warning events are read: the scheduler's FailedScheduling, kubelet BackOff/Failed, provisioning errors.
EVENT_SELECTOR = "type=Warning"
GPU_RESOURCE = "nvidia.com/gpu"
# Labels that mark a node as having NVIDIA GPUs: GPU feature discovery, NFD's PCI vendor rule (10de = NVIDIA),
# and run.ai fake-gpu-operator's node pool label (run-ai/fake-gpu-operator:README.md).
GPU_NODE_LABELS = ("nvidia.com/gpu.present", "feature.node.kubernetes.io/pci-10de.present",
                   "run.ai/simulated-gpu-node-pool")


class ClusterView:
    """Read-only view over one cluster for one plan. Lists are cached; never mutate returned objects."""

    def __init__(self, plan: Plan, reader: Reader, components: Iterable[str] | None = None,
                 now: datetime | None = None) -> None:
        self.plan = plan
        self.reader = reader
        chosen = set(components) if components else {r.component for r in plan.releases.values()}
        self.releases: tuple[Release, ...] = tuple(r for r in plan.ordered() if r.component in chosen)
        self.components = frozenset(r.component for r in self.releases)
        self.namespaces = frozenset(r.namespace for r in self.releases)
        self.now = now or k8s.utcnow()
        self._lists: dict[Kind, tuple[Obj, ...]] = {}
        self._index: dict[Kind, dict[tuple[str | None, str], Obj]] = {}
        self._by_ns: dict[Kind, dict[str | None, list[Obj]]] = {}
        self._events: k8s.EventIndex | None = None
        self._helm: dict[tuple[str, str], Any] | None = None

    # ----- plan

    def releases_of(self, component: str) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.component == component)

    def gpu_nodes_expected(self) -> int:
        gpu = (self.plan.cluster or {}).get("gpu") or {}
        return int(gpu.get("nodes", 0) or 0)

    # ----- objects

    def list(self, kind: Kind) -> tuple[Obj, ...]:
        """Every object of `kind` in the cluster (raises ReadError when it cannot be listed)."""
        if kind not in self._lists:
            selector = EVENT_SELECTOR if kind == EVENTS else None
            self._lists[kind] = tuple(self.reader.list(kind, field_selector=selector))
        return self._lists[kind]

    def in_namespaces(self, kind: Kind, namespaces: Iterable[str] | None = None) -> list[Obj]:
        """Objects of `kind` in the given namespaces (default: the plan's), via a per-namespace index."""
        if kind not in self._by_ns:
            idx: dict[str | None, list[Obj]] = defaultdict(list)
            for o in self.list(kind):
                idx[k8s.namespace(o)].append(o)
            self._by_ns[kind] = idx
        wanted = sorted(set(namespaces)) if namespaces is not None else sorted(self.namespaces)
        return [o for ns in wanted for o in self._by_ns[kind].get(ns, ())]

    def get(self, kind: Kind, name: str, namespace: str | None = None) -> Obj | None:
        if kind not in self._index:
            self._index[kind] = {(k8s.namespace(o), k8s.name(o)): o for o in self.list(kind)}
        return self._index[kind].get((namespace if kind.namespaced else None, name))

    def pods_selected_by(self, workload: Obj) -> list[Obj]:
        """Pods in the workload's namespace matched by its spec.selector."""
        sel = (workload.get("spec") or {}).get("selector")
        ns = k8s.namespace(workload)
        return [p for p in self.in_namespaces(PODS, [ns] if ns else [])
                if k8s.selector_matches(sel, k8s.meta(p).get("labels") or {})]

    def ready_endpoints(self, namespace: str, service: str) -> int:
        slices = [s for s in self.in_namespaces(ENDPOINT_SLICES, [namespace])
                  if (k8s.meta(s).get("labels") or {}).get("kubernetes.io/service-name") == service]
        return k8s.ready_endpoints(slices)

    def events_for(self, obj: Obj, limit: int = 3) -> list[str]:
        """The latest Warning events about `obj`, as evidence lines."""
        if self._events is None:
            self._events = k8s.index_events(self.list(EVENTS))
        return [f"event {e.get('reason')}: {e.get('message', '').strip()}"
                for e in k8s.latest_events(self._events, obj, limit)]

    def events_or_empty(self, obj: Obj, limit: int = 3) -> list[str]:
        """events_for, but an unreadable event list only loses the events, not the finding."""
        from planner.cluster import ReadError

        try:
            return self.events_for(obj, limit)
        except ReadError as e:
            return [f"(events not readable: {e.reason})"]

    def helm_releases(self) -> dict[tuple[str, str], Any] | None:
        """(namespace, release) -> the newest revision's status, from a metadata-only list of Helm's release
        Secrets in the plan's namespaces (labels only; planner/helm_status.py). None when the reader cannot
        list metadata (test fakes); raises ReadError when a namespace cannot be read."""
        from planner.helm_status import OWNER_SELECTOR, newest
        from planner.kinds import HELM_RELEASE_SECRETS

        lister = getattr(self.reader, "list_metadata", None)
        if lister is None:
            return None
        if self._helm is None:
            items = [o for ns in sorted(self.namespaces) for o in lister(HELM_RELEASE_SECRETS, ns, OWNER_SELECTOR)]
            self._helm = newest(items)
        return self._helm

    def gpu_nodes(self) -> list[Obj]:
        """Nodes that carry NVIDIA GPU labels or advertise nvidia.com/gpu capacity."""
        out = []
        for n in self.list(NODES):
            labels = k8s.meta(n).get("labels") or {}
            capacity = (n.get("status") or {}).get("capacity") or {}
            if any(labels.get(k) == "true" or (k.startswith("run.ai") and k in labels) for k in GPU_NODE_LABELS) \
                    or GPU_RESOURCE in capacity:
                out.append(n)
        return out

    def component_of(self, obj: Obj) -> str | None:
        """The component of the release that owns `obj`: by Helm's release-name annotation or the
        `app.kubernetes.io/instance` label, else by namespace when one component alone lives there; None
        when unknown (a cross-cutting finding then has no component)."""
        m = k8s.meta(obj)
        release = (m.get("annotations") or {}).get("meta.helm.sh/release-name") or \
            (m.get("labels") or {}).get("app.kubernetes.io/instance")
        by_id = {r.id: r.component for r in self.releases}
        if release in by_id:
            return by_id[release]
        owners = {r.component for r in self.releases if r.namespace == k8s.namespace(obj)}
        return owners.pop() if len(owners) == 1 else None

    def sensitive(self, obj: Obj) -> tuple[str, ...]:
        """Names to mask under --anonymize: objects outside the plan's namespaces, and their namespaces."""
        ns = k8s.namespace(obj)
        if ns is not None and ns in self.namespaces:
            return ()
        return tuple(x for x in (k8s.name(obj), ns) if x)
