"""Tables for `stackplan status VIEW`: one row per node, job, endpoint or run, from the tools' answers. Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rows = tuple[list[str], list[list[Any]], list[str]]  # headers, rows, footer lines


def _clip(text: Any, width: int = 90) -> str:
    s = "" if text is None else str(text).replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def _qualified(e: dict[str, Any]) -> str:
    return f"{e['namespace']}/{e['name']}" if e.get("namespace") else e["name"]


def gpus_rows(data: dict[str, Any]) -> Rows:
    rows = []
    for n in data["nodes"]:
        util = (n.get("utilisation") or {}).get("avg")
        pods = ", ".join(f"{p['namespace']}/{p['name']}({p['gpus']})" for p in n["pods"])
        state = "" if n["ready"] else "NotReady"
        state += "" if n["schedulable"] else (" " if state else "") + "cordoned"
        rows.append([n["node"], n.get("product") or "", n["allocatable"], n["requested"], n["free"],
                     "" if util is None else f"{util:g}%", "yes" if n["saturated"] else "", state, _clip(pods)])
    t = data["total"]
    footer = [f"total: {t['allocatable']} allocatable, {t['requested']} requested, {t['free']} free GPU(s) on "
              f"{len(data['nodes'])} node(s)"]
    if data.get("saturated"):
        footer.append("saturated (no free GPU): " + ", ".join(data["saturated"]))
    source = data.get("utilisationSource")
    if source:
        footer.append(source if source.startswith(("utilisation", "no ")) else f"utilisation: {source}")
    return (["NODE", "GPU", "ALLOCATABLE", "REQUESTED", "FREE", "UTIL", "SATURATED", "STATE", "PODS"], rows, footer)


def jobs_rows(data: dict[str, Any]) -> Rows:
    rows = []
    for j in data["jobs"]:
        detail = j.get("reason") or (j["events"][0] if j.get("events") else "")
        queue = j.get("clusterQueue") or j.get("queue") or j.get("rayCluster") or ""
        rows.append([j["kind"], _qualified(j), j["status"], queue, f"{j['ageMinutes']}m", _clip(detail)])
    counts = ", ".join(f"{v} {k}" for k, v in sorted(data["counts"].items()))
    return (["KIND", "NAME", "STATUS", "QUEUE", "AGE", "WHY"], rows, [f"{len(rows)} job(s): {counts}" if rows
                                                                      else "no jobs"])


def inference_rows(data: dict[str, Any]) -> Rows:
    rows = []
    for e in data["endpoints"]:
        r = e.get("replicas") or {}
        replicas = f"{r.get('ready', '?')}/{r['desired']}" if "desired" in r else str(r.get("ready", ""))
        why = "; ".join([x for x in [e.get("reason"), *e["errors"][:2]] if x])
        rows.append([e["kind"], _qualified(e), "yes" if e["ready"] else "NO", replicas, _clip(e.get("url") or ""),
                     _clip(why, 110)])
    return (["KIND", "NAME", "READY", "REPLICAS", "URL", "WHY / RECENT ERRORS"], rows,
            [f"{len(rows)} endpoint(s), {data['notReady']} not ready" if rows else "no inference endpoints"])


def pipelines_rows(data: dict[str, Any]) -> Rows:
    rows = []
    for r in data["runs"]:
        step = r.get("failingStep")
        if step:
            where = f"failed step {step['name']}: {step.get('message') or step.get('phase')}"
        elif r["activeSteps"]:
            where = "; ".join(f"{s['name']} {s['phase']}{': ' + s['message'] if s.get('message') else ''}"
                              for s in r["activeSteps"][:2])
        else:
            where = r.get("message") or ""
        if r["errors"]:
            where += ("; " if where else "") + r["errors"][0]
        idle = r.get("minutesSinceLastActivity")
        rows.append([_qualified(r), r["phase"], r.get("progress") or "", "STUCK" if r["stuck"] else "",
                     "" if idle is None else f"{idle}m", _clip(where, 110)])
    counts = ", ".join(f"{v} {k}" for k, v in sorted(data["counts"].items()))
    return (["RUN", "PHASE", "PROGRESS", "STUCK", "IDLE", "FAILING STEP / ACTIVE STEPS"], rows,
            [f"{len(rows)} run(s): {counts}" if rows else "no pipeline runs"])


VIEWS: dict[str, Callable[[dict[str, Any]], Rows]] = {
    "gpus": gpus_rows, "jobs": jobs_rows, "inference": inference_rows, "pipelines": pipelines_rows,
}
