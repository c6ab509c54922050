"""Batch jobs with their status: Kubeflow TrainJobs, Kueue Workloads (admitted, or pending and why), Volcano
PodGroups and RayJobs.

Status shapes:
- TrainJob conditions Complete | Failed | Suspended, `.status.jobsStatus[]` (name, active, ready, succeeded,
  failed) (kubeflow/trainer:pkg/apis/trainer/v1alpha1/trainjob_types.go@v2.3.0).
- Workload conditions QuotaReserved | Admitted | Finished | Evicted, `.status.admission.clusterQueue`,
  `.spec.queueName`, `.spec.podSets[].count` (kubernetes-sigs/kueue:apis/kueue/v1beta2/workload_types.go@v0.19.2).
- PodGroup `.status.phase` Pending | Inqueue | Running | Unknown | Completed, `.spec.minMember`, `.spec.queue`,
  condition Unschedulable (volcano-sh/volcano:.../scheduling/v1beta1/types.go@0e305460).
- RayJob `.status.jobStatus` (PENDING | RUNNING | STOPPED | SUCCEEDED | FAILED), `.status.jobDeploymentStatus`,
  `.status.message`, `.status.rayClusterName` (ray-project/kuberay:ray-operator/apis/ray/v1/rayjob_types.go@v1.7.0).
"""

from __future__ import annotations

from typing import Any

from planner.checks import k8s
from planner.cluster import Reader
from planner.kinds import KUEUE_WORKLOADS, POD_GROUPS, RAY_JOBS, TRAIN_JOBS
from planner.ops.common import Lists, Obj, age_minutes, condition_text, int_or_zero

KINDS = ("TrainJob", "Workload", "PodGroup", "RayJob")
# Statuses that mean "needs attention"; `problem` in each answer is True for these.
PROBLEM = frozenset({"Failed", "Pending", "Inadmissible", "Evicted", "Unknown"})


def _trainjob(job: Obj, lists: Lists) -> dict[str, Any]:
    if k8s.is_true(job, "Failed"):
        status, why = "Failed", condition_text(job, "Failed")
    elif k8s.is_true(job, "Complete"):
        status, why = "Complete", None
    elif k8s.is_true(job, "Suspended"):
        status, why = "Suspended", condition_text(job, "Suspended")
    else:
        status, why = "Running", None
    jobs = (job.get("status") or {}).get("jobsStatus") or []
    replicas = {k: sum(int_or_zero(j.get(k)) for j in jobs) for k in ("active", "ready", "succeeded", "failed")}
    return {"status": status, "reason": why, "replicas": replicas,
            "runtime": ((job.get("spec") or {}).get("runtimeRef") or {}).get("name"), "events": lists.events(job)}


def _workload(wl: Obj, lists: Lists) -> dict[str, Any]:
    spec, st = wl.get("spec") or {}, wl.get("status") or {}
    qr = k8s.condition(wl, "QuotaReserved") or {}
    if k8s.is_true(wl, "Finished"):
        status, why = "Finished", condition_text(wl, "Finished")
    elif k8s.is_true(wl, "Evicted"):
        status, why = "Evicted", condition_text(wl, "Evicted")
    elif k8s.is_true(wl, "Admitted"):
        status, why = "Admitted", None
    elif qr.get("status") == "True":
        status, why = "QuotaReserved", condition_text(wl, "Admitted")  # waiting for admission checks
    elif qr.get("reason") in ("Inadmissible", "Misconfigured", "NoMatchingFlavor", "ExceedsMaxQuota"):
        status, why = "Inadmissible", condition_text(wl, "QuotaReserved")
    else:
        status, why = "Pending", condition_text(wl, "QuotaReserved") or "not yet considered by Kueue"
    owner = next(iter(k8s.meta(wl).get("ownerReferences") or []), {})
    return {"status": status, "reason": why, "queue": spec.get("queueName"),
            "clusterQueue": (st.get("admission") or {}).get("clusterQueue"),
            "pods": sum(int_or_zero(ps.get("count")) for ps in spec.get("podSets") or []),
            "owner": f"{owner.get('kind')}/{owner.get('name')}" if owner else None, "events": lists.events(wl)}


def _podgroup(pg: Obj, lists: Lists) -> dict[str, Any]:
    spec, st = pg.get("spec") or {}, pg.get("status") or {}
    phase = st.get("phase") or "Pending"
    status = {"Completed": "Complete"}.get(phase, phase)
    return {"status": status, "reason": condition_text(pg, "Unschedulable") if status != "Running" else None,
            "queue": spec.get("queue", "default"), "minMember": spec.get("minMember"),
            "replicas": {k: int_or_zero(st.get(k)) for k in ("running", "succeeded", "failed")},
            "events": lists.events(pg)}


def _rayjob(job: Obj, lists: Lists) -> dict[str, Any]:
    st = job.get("status") or {}
    job_status, deployment = st.get("jobStatus") or "", st.get("jobDeploymentStatus") or ""
    status = {"SUCCEEDED": "Complete", "FAILED": "Failed", "STOPPED": "Stopped", "RUNNING": "Running",
              "PENDING": "Pending"}.get(job_status) or ("Failed" if deployment == "Failed" else
                                                        "Suspended" if deployment == "Suspended" else "Pending")
    return {"status": status, "reason": st.get("message") or st.get("reason"), "jobStatus": job_status or None,
            "deploymentStatus": deployment or None, "rayCluster": st.get("rayClusterName"),
            "events": lists.events(job)}


_READERS = (("TrainJob", TRAIN_JOBS, _trainjob), ("Workload", KUEUE_WORKLOADS, _workload),
            ("PodGroup", POD_GROUPS, _podgroup), ("RayJob", RAY_JOBS, _rayjob))


def jobs(reader: Reader, *, namespace: str | None = None, kind: str | None = None,
         problems_only: bool = False) -> dict[str, Any]:
    """Every TrainJob, Kueue Workload, Volcano PodGroup and RayJob (filtered by namespace, kind, problems)."""
    lists, now, out = Lists(reader), k8s.utcnow(), []
    for name, k, describe in _READERS:
        if kind and kind != name:
            continue
        for obj in lists.get(k, namespace):
            entry = {"kind": name, "namespace": k8s.namespace(obj), "name": k8s.name(obj),
                     "ageMinutes": age_minutes(obj, now), **describe(obj, lists)}
            entry["problem"] = entry["status"] in PROBLEM
            if not problems_only or entry["problem"]:
                out.append(entry)
    out.sort(key=lambda e: (not e["problem"], e["kind"], e["namespace"] or "", e["name"]))
    counts: dict[str, int] = {}
    for e in out:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    answer: dict[str, Any] = {"jobs": out, "counts": counts}
    if lists.unread:
        answer["unread"] = lists.unread
    return answer
