"""Pure: DR009, the plan's custom resources (planner/desired/objects.py: Kueue ClusterQueue/LocalQueue, Volcano Queue,
KubeAI Model, KServe InferenceService) missing or changed in the cluster.

The reader LISTs each kind the plan declares once, cluster-wide, and keeps only the declared objects (by namespace
and name), with their `spec`. Only the spec fields stackplan sets are compared (the API server's defaults and
status are ignored); a value under a Secret-like key (or any env `value`) is shown as `***`. ResourceFlavors are
not compared: the check ClusterRole (planner/kinds.py CATALOG) cannot list them, and HC020 reports a missing
flavor (FlavorNotFound).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.desired.objects import CustomObject, plan_objects
from planner.kinds import CLUSTER_QUEUES, INFERENCE_SERVICES, KUBEAI_MODELS, LOCAL_QUEUES, VOLCANO_QUEUES, Kind
from planner.model import Plan
from planner.report import Finding, Outcome, Severity, Subject

try:  # a secrets module shared with other commands, when it exists
    from planner.secrets import is_secret_key  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the checkout
    from planner.drift.values_diff import is_secret_key

CHECK_ID = "DR009"
TITLE = "Custom resources match the plan"  # = compare.TITLES["DR009"]
KINDS: dict[str, Kind] = {k.kind: k for k in (CLUSTER_QUEUES, LOCAL_QUEUES, VOLCANO_QUEUES, KUBEAI_MODELS,
                                              INFERENCE_SERVICES)}
MASK = "***"
MAX_EVIDENCE = 20
FIX = ("`stackplan apply` re-applies the plan's custom resources (server-side, field manager stackplan); to keep a "
       "change, put it in stackplan.yaml (models:) instead")


@dataclass(frozen=True)
class LiveCustom:
    kind: str
    name: str
    namespace: str | None
    spec: Mapping[str, Any] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


def planned(plan: Plan) -> list[CustomObject]:
    """The plan's custom resources drift compares (planner/desired/objects.py, as every installer builds them)."""
    return [o for o in plan_objects(plan) if o.kind in KINDS]


def kinds_to_read(plan: Plan) -> list[Kind]:
    """One LIST per kind the plan declares (at most five, whatever the number of components or models)."""
    return [KINDS[k] for k in sorted({o.kind for o in planned(plan)})]


def summarize(plan: Plan, kind: str, items: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], LiveCustom]:
    """The declared objects among a LIST's items; everything else is dropped here."""
    wanted = {(o.namespace or "", o.name) for o in planned(plan) if o.kind == kind}
    out = {}
    for obj in items:
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if key in wanted:
            out[key] = LiveCustom(kind, key[1], key[0] or None, dict(obj.get("spec") or {}),
                                  dict(meta.get("labels") or {}))
    return out


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) of every leaf stackplan sets; lists are compared whole. Keys may hold dots (nvidia.com/gpu)."""
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            yield from _leaves(v, (*path, str(k)))
    else:
        yield path, value


def _get(spec: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = spec
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


_ABSENT = object()


def _equal(want: Any, have: Any) -> bool:
    if isinstance(want, (int, float)) and isinstance(have, (int, float)) and not isinstance(want, bool):
        return float(want) == float(have)  # JSON numbers: 2 and 2.0 are the same
    if isinstance(want, str) and isinstance(have, (int, float)) and not isinstance(have, bool):
        return want == str(have)  # quantities: "1000" may come back as 1000
    return want == have


def _shown(path: tuple[str, ...], value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    if any(is_secret_key(p) or p in ("env", "envFrom") for p in path):
        return MASK
    return json.dumps(value, sort_keys=True, default=str)


def changes(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    """`spec.<path>: live X, planned Y` for every field stackplan sets whose live value differs (masked)."""
    out = []
    for path, value in _leaves(want):
        if not path:
            continue
        live = _get(have, path)
        if live is _ABSENT or not _equal(value, live):
            out.append(f"spec.{'.'.join(path)}: live {_shown(path, live)}, planned {_shown(path, value)}")
    return out


def _ref(o: CustomObject) -> str:
    return f"{o.kind}/{o.namespace}/{o.name}" if o.namespace else f"{o.kind}/{o.name}"


def custom_findings(plan: Plan, custom: Mapping[str, Mapping[tuple[str, str], LiveCustom]],
                    unread: Mapping[str, str]) -> list[Finding]:
    """DR009 per declared object that is missing or changed (or unreadable), and one PASSED per owning release."""
    out: list[Finding] = []
    ok: dict[str, int] = {}

    def add(o: CustomObject, outcome: Outcome, message: str, evidence: list[str], remediation: str = FIX) -> None:
        if len(evidence) > MAX_EVIDENCE:
            evidence = [*evidence[:MAX_EVIDENCE], f"… {len(evidence) - MAX_EVIDENCE} more"]
        out.append(Finding(CHECK_ID, TITLE, outcome, Subject(o.kind, o.name, o.namespace), message,
                           severity=Severity.HIGH if outcome is Outcome.FAILED else Severity.MEDIUM,
                           component=o.owner, evidence=tuple(evidence), remediation=remediation,
                           doc_url="docs/drift.md#dr009"))

    for o in planned(plan):
        if o.kind in unread:
            add(o, Outcome.UNKNOWN, f"could not list {o.kind}: {unread[o.kind]}", [f"LIST {KINDS[o.kind].path()}"],
                "grant read access: `stackplan rbac | kubectl apply -f -` (custom resources, cluster-wide)")
            continue
        live = (custom.get(o.kind) or {}).get((o.namespace or "", o.name))
        if live is None:
            add(o, Outcome.FAILED, f"{o.kind} {o.name} is missing", [f"{_ref(o)}: not found (planned by "
                f"planner/desired/objects.py, waits for {', '.join(o.after)})"])
            continue
        diff = changes(o.spec, live.spec)
        if diff:
            add(o, Outcome.FAILED, f"{o.kind} {o.name}: {len(diff)} field(s) differ from the plan",
                [f"{_ref(o)} {d}" for d in diff])
        else:
            ok[o.owner] = ok.get(o.owner, 0) + 1
    for owner, n in sorted(ok.items()):
        rel = plan.releases[owner]
        out.append(Finding(CHECK_ID, TITLE, Outcome.PASSED, Subject("HelmRelease", owner, rel.namespace),
                           f"{n} custom resource(s) present and as planned", severity=Severity.INFO,
                           component=owner, doc_url="docs/drift.md#dr009"))
    return out
