"""DR010: each workload of a Helm release's deployed manifest against the live object (pure).

Moved out of `workloads.py` so that the summaries (`workloads`) need nothing of `live` and the drift modules
import in one direction: workloads <- helm_records <- live <- workload_fields <- compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from planner.drift.live import LiveFacts
from planner.drift.workloads import FieldChange, WorkloadSpec, diff_workload
from planner.report import Outcome, Severity

if TYPE_CHECKING:
    from planner.model import Release


# called from compare.py with its `_Findings.add`
class AddFinding(Protocol):
    def __call__(self, check_id: str, outcome: Outcome, message: str, *, severity: Severity = ...,
                 evidence: Iterable[str] = ..., remediation: str = ...) -> None: ...


def _autoscaled(live: LiveFacts, spec: WorkloadSpec) -> bool | None:
    if live.hpa_error:
        return None
    return (spec.namespace, spec.kind, spec.name) in live.autoscaled


def check_fields(r: Release, live: LiveFacts, add: AddFinding) -> None:
    """DR010 for one Helm release: each workload of the deployed revision's manifest against the live object.

    Blueprint-listed workloads that are missing are DR006's; other manifest workloads missing live are DR010's.
    Kustomize releases are checked for presence only (DR006): server-side apply keeps no copy of the applied
    values (`metadata.managedFields` names the owners of fields, not the values they applied).
    """
    rel = live.release(r.namespace, r.id) if not r.how.kustomize else None
    if rel is None or rel.status != "deployed" or not (rel.workloads or rel.unparsed_workloads):
        return
    kinds = sorted({w.kind for w in rel.workloads if w.kind in live.unread})
    if kinds:
        add("DR010", Outcome.UNKNOWN, f"could not list {', '.join(kinds)}: "
            f"{'; '.join(live.unread[k] for k in kinds)}",
            remediation="grant read access: `stackplan rbac | kubectl apply -f -`")
        return
    listed = {(w.kind, w.namespace or r.namespace, w.name) for w in r.workloads}
    changes: list[FieldChange] = []
    unsure: list[str] = []
    for spec in rel.workloads:
        obj = (live.workloads.get(spec.kind) or {}).get((spec.namespace, spec.name))
        if obj is None or obj.spec is None:
            if spec.key not in listed:
                changes.append(FieldChange(spec.ref(), "(object)", "present", "not found"))
            continue
        hpa = _autoscaled(live, spec)
        found = diff_workload(spec, obj.spec, autoscaled=bool(hpa))
        if hpa is None and any(c.path == "spec.replicas" for c in found):
            unsure += [f"{c}: HorizontalPodAutoscalers could not be read ({live.hpa_error}); an HPA "
                       "may own replicas" for c in found if c.path == "spec.replicas"]
            found = [c for c in found if c.path != "spec.replicas"]
        changes += found
    where = f"compared with the manifest of revision {rel.revision} (Secret {rel.namespace}/{rel.secret or rel.name})"
    notes = [where] + ([f"{rel.unparsed_workloads} workload document(s) of the manifest could not be parsed"]
                       if rel.unparsed_workloads else [])
    if changes:
        objs = sorted({c.ref.split("/", 1)[0] + "/" + c.ref.rsplit("/", 1)[-1] for c in changes})
        add("DR010", Outcome.FAILED, f"{len(changes)} workload field(s) differ from the release manifest in "
            + ", ".join(objs[:4]) + (" …" if len(objs) > 4 else ""),
            severity=Severity.MEDIUM, evidence=[*map(str, changes), *unsure, *notes],
            remediation=f"re-apply the release's manifest: `helm rollback {r.id} {rel.revision} -n {rel.namespace}` "
                        "(Helm 3's three-way merge restores the fields the chart sets; `stackplan apply` skips a "
                        "release whose chart and values are unchanged); undo additions by hand (e.g. "
                        "`kubectl set env <kind>/<name> NAME-`); to keep a change, set it through the chart's "
                        "values in stackplan.yaml")
    elif unsure:
        add("DR010", Outcome.UNKNOWN, "replicas differ from the release manifest, but autoscalers could not be read",
            evidence=[*unsure, *notes],
            remediation="grant list on horizontalpodautoscalers.autoscaling/v2, cluster-wide")
    else:
        add("DR010", Outcome.PASSED, f"{len(rel.workloads)} workload(s) match the release manifest", evidence=notes)
