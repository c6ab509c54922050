"""Pipeline runs: the Argo Workflows that Kubeflow Pipelines runs are executed as, with the failing step, or why
a run looks stuck.

Workflow `.status.phase` ("" | Pending | Running | Succeeded | Failed | Error), `.status.message`,
`.status.progress`, and `.status.nodes` keyed by node id, each with name, displayName, type (Pod, Container,
Steps, StepGroup, DAG, TaskGroup, Retry, Skipped, Suspend, HTTP, Plugin), templateName, phase (Pending, Running,
Succeeded, Skipped, Failed, Error, Omitted), message, startedAt, finishedAt
(argoproj/argo-workflows:pkg/apis/workflow/v1alpha1/workflow_types.go@v4.0.5, the version kubeflow/pipelines
2.17.0 bundles). Step pods carry label `workflows.argoproj.io/workflow=<workflow>`; Kubeflow Pipelines labels
its Workflows `pipeline/runid=<run id>` (kubeflow/pipelines:backend/src/common/util, `LabelKeyWorkflowRunId`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from planner.checks import k8s
from planner.cluster import Reader
from planner.kinds import ARGO_WORKFLOWS
from planner.ops.common import Lists, Obj, age_minutes

STUCK_AFTER_MINUTES = 30
RUN_ID_LABEL = "pipeline/runid"
WORKFLOW_POD_LABEL = "workflows.argoproj.io/workflow"
LEAF_TYPES = frozenset({"Pod", "Container", "HTTP", "Plugin"})
FAILED = frozenset({"Failed", "Error"})


def _minutes_since(stamp: str | None, now: datetime) -> int | None:
    when = k8s.parse_time(stamp)
    return None if when is None else int((now - when).total_seconds() // 60)


def _step(node: Obj) -> dict[str, Any]:
    return {"name": node.get("displayName") or node.get("name"), "template": node.get("templateName"),
            "type": node.get("type"), "phase": node.get("phase"), "message": node.get("message") or None,
            "startedAt": node.get("startedAt"), "finishedAt": node.get("finishedAt")}


def _failing_step(nodes: list[Obj]) -> dict[str, Any] | None:
    """The first step that failed (leaf steps first: a failed DAG only says a child failed)."""
    failed = [n for n in nodes if n.get("phase") in FAILED]
    leaves = [n for n in failed if n.get("type") in LEAF_TYPES] or failed
    if not leaves:
        return None
    return _step(min(leaves, key=lambda n: n.get("finishedAt") or n.get("startedAt") or "~"))


def _run(wf: Obj, lists: Lists, now: datetime, stuck_after: int) -> dict[str, Any]:
    st = wf.get("status") or {}
    phase = st.get("phase") or "Pending"
    nodes = list((st.get("nodes") or {}).values())
    stamps = [s for n in nodes for s in (n.get("startedAt"), n.get("finishedAt")) if s] + (
        [st["startedAt"]] if st.get("startedAt") else [])
    idle = _minutes_since(max(stamps), now) if stamps else age_minutes(wf, now)
    active = [n for n in nodes if n.get("phase") in ("Pending", "Running") and n.get("type") in LEAF_TYPES]
    errors = lists.pod_errors(lists.pods(k8s.namespace(wf), {WORKFLOW_POD_LABEL: k8s.name(wf)}))
    stuck = phase in ("Pending", "Running") and ((idle or 0) >= stuck_after or bool(errors))
    labels = k8s.meta(wf).get("labels") or {}
    return {"namespace": k8s.namespace(wf), "name": k8s.name(wf), "runId": labels.get(RUN_ID_LABEL),
            "kubeflowPipelines": RUN_ID_LABEL in labels, "phase": phase, "message": st.get("message") or None,
            "progress": st.get("progress"), "startedAt": st.get("startedAt"), "finishedAt": st.get("finishedAt"),
            "minutesSinceLastActivity": idle, "stuck": stuck, "failingStep": _failing_step(nodes),
            "activeSteps": [_step(n) for n in active], "errors": errors + lists.events(wf)}


def pipelines(reader: Reader, *, namespace: str | None = None, name: str | None = None,
              stuck_after_minutes: int = STUCK_AFTER_MINUTES, problems_only: bool = False) -> dict[str, Any]:
    """Every pipeline run (Argo Workflow): phase, the failing step, active steps and whether it looks stuck.

    `name` matches the Workflow name or the Kubeflow Pipelines run id. A run is *stuck* when it is Pending or
    Running and nothing started or finished for `stuck_after_minutes`, or a step's pod cannot start.
    """
    lists, now = Lists(reader), k8s.utcnow()
    runs = []
    for wf in lists.get(ARGO_WORKFLOWS, namespace):
        if name and name not in (k8s.name(wf), (k8s.meta(wf).get("labels") or {}).get(RUN_ID_LABEL)):
            continue
        run = _run(wf, lists, now, stuck_after_minutes)
        run["problem"] = run["stuck"] or run["phase"] in FAILED
        if not problems_only or run["problem"]:
            runs.append(run)
    runs.sort(key=lambda r: (not r["problem"], r["namespace"] or "", r["name"]))
    counts: dict[str, int] = {}
    for r in runs:
        counts[r["phase"]] = counts.get(r["phase"], 0) + 1
    answer: dict[str, Any] = {"runs": runs, "counts": counts, "stuck": [f"{r['namespace']}/{r['name']}"
                                                                         for r in runs if r["stuck"]]}
    if lists.unread:
        answer["unread"] = lists.unread
    return answer
