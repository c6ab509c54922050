"""Pure helpers over Kubernetes objects (plain dicts): conditions, readiness, pod troubles.

Shapes follow k8s.io/api v0.35 (core/v1 PodStatus, apps/v1 DeploymentStatus, discovery/v1 EndpointSlice).
Every function tolerates missing fields; a field of the wrong type raises (the runner makes that UNKNOWN).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from planner.report import Subject

Obj = dict[str, Any]

# Waiting reasons that mean a container will not start by itself (kubelet / kuberuntime constants).
BAD_WAITING = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError",
    "PostStartHookError",
})


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def name(obj: Obj) -> str:
    return meta(obj).get("name", "")


def namespace(obj: Obj) -> str | None:
    return meta(obj).get("namespace")


def subject(obj: Obj) -> Subject:
    return Subject(obj.get("kind", "?"), name(obj), namespace(obj))


def ref(obj: Obj) -> str:
    """`Kind/ns/name` for evidence lines."""
    return str(subject(obj))


def conditions(obj: Obj) -> dict[str, Obj]:
    """status.conditions by type."""
    return {c.get("type", ""): c for c in (obj.get("status") or {}).get("conditions") or []}


def condition(obj: Obj, ctype: str) -> Obj | None:
    return conditions(obj).get(ctype)


def is_true(obj: Obj, ctype: str) -> bool:
    c = condition(obj, ctype)
    return bool(c) and c.get("status") == "True"


def describe_condition(obj: Obj, ctype: str) -> str:
    """Evidence text for one condition: `.status.conditions[Ready]=False reason=X "message"`."""
    c = condition(obj, ctype)
    if c is None:
        return f"{ref(obj)} .status.conditions[{ctype}] absent"
    text = f"{ref(obj)} .status.conditions[{ctype}]={c.get('status')}"
    if c.get("reason"):
        text += f" reason={c['reason']}"
    if c.get("message"):
        text += f' "{c["message"]}"'
    return text


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def age_seconds(obj: Obj, now: datetime) -> float:
    created = parse_time(meta(obj).get("creationTimestamp"))
    return (now - created).total_seconds() if created else 0.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against labels; an empty selector matches nothing."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and present and labels[key] in values) \
                or (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


# ----- workloads

def workload_status(obj: Obj) -> tuple[bool, str]:
    """(healthy, evidence) for a Deployment, DaemonSet, StatefulSet or Job."""
    kind, spec, st = obj.get("kind"), obj.get("spec") or {}, obj.get("status") or {}
    r = ref(obj)
    if kind == "Deployment":
        want = spec.get("replicas", 1)
        avail = st.get("availableReplicas", 0)
        if want == 0:
            return False, f"{r} .spec.replicas=0 (scaled to zero)"
        ok = avail >= want and is_true(obj, "Available")
        text = f"{r} .status.availableReplicas={avail}/{want}"
        return ok, text if ok else f"{text}; {describe_condition(obj, 'Available')}"
    if kind == "DaemonSet":
        desired, ready = st.get("desiredNumberScheduled", 0), st.get("numberReady", 0)
        ok = ready >= desired and st.get("numberUnavailable", 0) == 0
        return ok, f"{r} .status.numberReady={ready}/{desired} desiredNumberScheduled"
    if kind == "StatefulSet":
        want, ready = spec.get("replicas", 1), st.get("readyReplicas", 0)
        if want == 0:
            return False, f"{r} .spec.replicas=0 (scaled to zero)"
        return ready >= want, f"{r} .status.readyReplicas={ready}/{want}"
    if kind == "Job":
        if is_true(obj, "Failed"):
            return False, describe_condition(obj, "Failed")
        done = is_true(obj, "Complete") or st.get("succeeded", 0) >= (spec.get("completions") or 1)
        return done, f"{r} .status.succeeded={st.get('succeeded', 0)} active={st.get('active', 0)}"
    raise ValueError(f"unsupported workload kind {kind!r}")


# ----- pods

def pod_trouble(pod: Obj) -> tuple[str, str] | None:
    """(reason as kubectl shows it, evidence) when a container cannot start, else None.

    An init container stuck shows as `Init:<reason>`, like `kubectl get pods`.
    """
    st = pod.get("status") or {}
    for field, prefix in (("initContainerStatuses", "Init:"), ("containerStatuses", "")):
        for cs in st.get(field) or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in BAD_WAITING:
                last = ((cs.get("lastState") or {}).get("terminated") or {})
                detail = f"{ref(pod)} .status.{field}[{cs.get('name')}].state.waiting.reason={waiting['reason']}"
                if waiting.get("message"):
                    detail += f' "{waiting["message"]}"'
                detail += f" restartCount={cs.get('restartCount', 0)}"
                if last:
                    detail += f"; lastState.terminated reason={last.get('reason')} exitCode={last.get('exitCode')}"
                return prefix + waiting["reason"], detail
    return None


def trouble_container(pod: Obj) -> str | None:
    """The name of the container `pod_trouble` reports (init containers first), else None."""
    st = pod.get("status") or {}
    for field in ("initContainerStatuses", "containerStatuses"):
        for cs in st.get(field) or []:
            if ((cs.get("state") or {}).get("waiting") or {}).get("reason") in BAD_WAITING:
                return cs.get("name")
    return None


def unschedulable(pod: Obj) -> str | None:
    """The scheduler's message for a Pending pod it could not place, else None."""
    if (pod.get("status") or {}).get("phase") != "Pending":
        return None
    c = condition(pod, "PodScheduled")
    if c and c.get("status") == "False" and c.get("reason") == "Unschedulable":
        return c.get("message") or "Unschedulable"
    return None


def scheduling_gates(pod: Obj) -> list[str]:
    return [g.get("name", "") for g in (pod.get("spec") or {}).get("schedulingGates") or []]


def requests_resource(pod: Obj, resource: str) -> bool:
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        if resource in (res.get("limits") or {}) or resource in (res.get("requests") or {}):
            return True
    return False


# ----- services

def ready_endpoints(slices: list[Obj]) -> int:
    """Ready addresses across EndpointSlices (conditions.ready unset counts as ready, per discovery/v1)."""
    n = 0
    for s in slices:
        for ep in s.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready", True) is not False:
                n += len(ep.get("addresses") or [])
    return n


EventIndex = dict[tuple[str, str | None, str], list[Obj]]


def index_events(events: Iterable[Obj]) -> EventIndex:
    """Events keyed by the object they are about: (kind, namespace, name) of `involvedObject` (or `regarding`)."""
    idx: EventIndex = {}
    for e in events:
        io = e.get("involvedObject") or e.get("regarding") or {}
        idx.setdefault((io.get("kind", ""), io.get("namespace"), io.get("name", "")), []).append(e)
    return idx


def latest_events(index: EventIndex, obj: Obj, limit: int) -> list[Obj]:
    """The newest `limit` events about `obj` (by lastTimestamp, else eventTime)."""
    found = index.get((obj.get("kind", ""), namespace(obj), name(obj)), [])
    return sorted(found, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)[:limit]

