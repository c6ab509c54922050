"""Cluster-provided free text (pod messages, events, conditions) is redacted before any output format:
canaries planted in a crash-looping pod's message, an event and a condition never reach table, json, junit,
sarif or github output (what CI logs keep)."""

from __future__ import annotations

import copy

from planner.checks.runner import run_checks
from planner.render.report import RENDERERS
from tests.checks.harness import FIXTURES, NOW, FakeReader, load, make_plan

CANARY = "CANARYq7Zev"


def _planted() -> list[dict]:
    objs = copy.deepcopy(load(FIXTURES / "pods_running" / "image-pull-backoff-FAILED.yaml"))
    pod = next(o for o in objs if o["kind"] == "Pod")
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    waiting["message"] += f"; mysql: error: password={CANARY} last log: token={CANARY}"
    pod["status"]["conditions"] = [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                                    "message": f"unauthorized: basic auth admin:{CANARY}"}]
    event = next(o for o in objs if o["kind"] == "Event")
    event["message"] = (f'Failed to pull image "registry.k8s.io/kueue/kueue:v0.19.2": '
                        f"Authorization: Bearer {CANARY} rejected; https://robot:{CANARY}@registry.k8s.io/v2/")
    return objs


def test_canaries_in_pod_messages_and_events_never_reach_any_output_format() -> None:
    report = run_checks(make_plan("kueue"), FakeReader(_planted()), check_ids=["HC005"], now=NOW)
    problems = report.problems()
    assert problems, "the crash-looping pod must still be reported"
    evidence = " ".join(e for f in problems for e in f.evidence)
    assert "[REDACTED]" in evidence and "registry.k8s.io/kueue/kueue:v0.19.2" in evidence  # image kept
    for fmt, render in RENDERERS.items():
        assert CANARY not in render(report), fmt
