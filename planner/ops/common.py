"""Helpers shared by the ops tools: reading a kind without failing the whole answer, events and pod troubles.

Every tool answers with plain JSON-able dicts. A kind that cannot be listed (CRD not installed, RBAC) is not an
error of the tool: it becomes an entry of `unread` in the answer, and the rest is still answered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from planner.checks import k8s
from planner.cluster import Reader, ReadError
from planner.kinds import EVENTS, PODS, Kind

Obj = dict[str, Any]

# Only Warning events: the scheduler's FailedScheduling, kubelet BackOff/Failed, controllers' errors.
EVENT_SELECTOR = "type=Warning"
MAX_EVENTS = 3


class Lists:
    """One LIST per kind for one tool call (the reader memoises too), with `unread` for kinds it could not list."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.unread: dict[str, str] = {}
        self._all: dict[Kind, list[Obj]] = {}
        self._by_ns: dict[Kind, dict[str | None, list[Obj]]] = {}
        self._events: k8s.EventIndex | None = None

    def get(self, kind: Kind, namespace: str | None = None) -> list[Obj]:
        """Objects of `kind` (in `namespace`, or cluster-wide); [] and an `unread` entry when it cannot be read.
        One cluster-wide LIST per kind, however often it is asked for."""
        if kind not in self._all:
            try:
                selector = EVENT_SELECTOR if kind == EVENTS else None
                self._all[kind] = list(self.reader.list(kind, field_selector=selector))
            except ReadError as e:
                self.unread[kind.key] = e.reason
                self._all[kind] = []
            index: dict[str | None, list[Obj]] = defaultdict(list)
            for o in self._all[kind]:
                index[k8s.namespace(o)].append(o)
            self._by_ns[kind] = index
        if namespace:
            return list(self._by_ns[kind].get(namespace, ()))
        return list(self._all[kind])

    def events(self, obj: Obj, limit: int = MAX_EVENTS) -> list[str]:
        """The latest Warning events about `obj`: `Reason: message`."""
        if self._events is None:
            self._events = k8s.index_events(self.get(EVENTS))
        return [f"{e.get('reason')}: {(e.get('message') or '').strip()}"
                for e in k8s.latest_events(self._events, obj, limit)]

    def pods(self, namespace: str | None, labels: dict[str, str] | None = None,
             selector: Obj | None = None) -> list[Obj]:
        """Pods in `namespace` whose labels include `labels` (or match a LabelSelector)."""
        def wanted(have: dict[str, str]) -> bool:
            if labels is not None:
                return all(have.get(k) == v for k, v in labels.items())
            return selector is not None and k8s.selector_matches(selector, have)

        return [p for p in self.get(PODS, namespace) if wanted(k8s.meta(p).get("labels") or {})]

    def pod_errors(self, pods: Iterable[Obj], limit: int = MAX_EVENTS) -> list[str]:
        """Why pods do not run: containers that cannot start, unschedulable pods, their Warning events."""
        out: list[str] = []
        for p in pods:
            if trouble := k8s.pod_trouble(p):
                out.append(f"Pod {k8s.name(p)}: {trouble[0]}")
            elif why := k8s.unschedulable(p):
                out.append(f"Pod {k8s.name(p)} Pending: {why}")
            out += [f"Pod {k8s.name(p)} {e}" for e in self.events(p, 1)]
            if len(out) >= limit:
                break
        return out[:limit]


def ref(obj: Obj) -> dict[str, Any]:
    """`{namespace, name}` of an object (namespace omitted for cluster-scoped ones)."""
    ns = k8s.namespace(obj)
    return {"namespace": ns, "name": k8s.name(obj)} if ns else {"name": k8s.name(obj)}


def condition_text(obj: Obj, ctype: str) -> str | None:
    """`reason: message` of one condition, or None when absent."""
    c = k8s.condition(obj, ctype)
    if not c:
        return None
    parts = [p for p in (c.get("reason"), c.get("message")) if p]
    return ": ".join(parts) or c.get("status")


def age_minutes(obj: Obj, now: datetime) -> int:
    return int(k8s.age_seconds(obj, now) // 60)


def int_or_zero(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
