"""The ops tools on the in-memory scenario (tests/ops/scenario.py): each view's known answers, nothing secret."""

from __future__ import annotations

import json

import pytest

from planner.kinds import ARGO_WORKFLOWS, RAY_JOBS
from planner.ops.gpus import gpus, pod_gpus
from planner.ops.inference import inference
from planner.ops.jobs import jobs
from planner.ops.pipelines import pipelines
from planner.secrets import REDACTED, mask_tree
from tests.checks.harness import FakeReader
from tests.ops.scenario import CANARY, in_memory


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader(in_memory())


def by_name(items: list[dict], name: str) -> dict:
    [found] = [i for i in items if i["name"] == name]
    return found


def test_gpus_allocation_per_node(reader: FakeReader) -> None:
    data = gpus(reader)
    assert [n["node"] for n in data["nodes"]] == ["gpu-a", "gpu-b"]  # the CPU node is no GPU node
    a, b = data["nodes"]
    assert (a["allocatable"], a["requested"], a["free"], a["saturated"]) == (8, 8, 0, True)
    assert (b["allocatable"], b["requested"], b["free"], b["saturated"]) == (8, 2, 6, False)
    assert [p["name"] for p in a["pods"]] == ["train-a", "train-b"]
    assert data["saturated"] == ["gpu-a"] and data["total"]["free"] == 6
    assert a["product"] == "NVIDIA-A100-SXM4-80GB"
    assert gpus(reader, node="gpu-b")["nodes"][0]["node"] == "gpu-b"


def test_pod_gpus_requests_limits_and_init_containers() -> None:
    c = lambda n, where="limits": {"resources": {where: {"nvidia.com/gpu": str(n)}}}  # noqa: E731
    assert pod_gpus({"spec": {"containers": [c(2), c(1, "requests")]}}) == 3
    assert pod_gpus({"spec": {"containers": [c(1)], "initContainers": [c(4)]}}) == 4
    assert pod_gpus({"spec": {"containers": [{}]}}) == 0


def test_finished_pods_hold_no_gpus() -> None:
    objs = in_memory()
    for o in objs:
        if o["kind"] == "Pod" and o["metadata"]["name"] == "train-b":
            o["status"]["phase"] = "Succeeded"
    a = gpus(FakeReader(objs))["nodes"][0]
    assert (a["requested"], a["free"], a["saturated"]) == (4, 4, False)


def test_gpus_with_utilisation() -> None:
    util = {"gpu-a": {"avg": 97.5, "gpus": {"0": 100.0, "1": 95.0}}}
    data = gpus(FakeReader(in_memory()), utilisation=lambda: util)
    assert data["nodes"][0]["utilisation"]["avg"] == 97.5 and "utilisation" not in data["nodes"][1]
    data = gpus(FakeReader(in_memory()), utilisation=lambda: "utilisation not available: no Prometheus")
    assert data["utilisationSource"].startswith("utilisation not available")


def test_jobs_status_and_why(reader: FakeReader) -> None:
    data = jobs(reader)
    js = data["jobs"]
    assert by_name(js, "llama-ft")["status"] == "Failed" and "137" in by_name(js, "llama-ft")["reason"]
    assert by_name(js, "bert")["status"] == "Running" and by_name(js, "bert")["replicas"]["ready"] == 2
    assert by_name(js, "wl-admitted")["status"] == "Admitted"
    assert by_name(js, "wl-admitted")["clusterQueue"] == "gpu-cluster-queue"
    quota = by_name(js, "wl-quota")
    assert quota["status"] == "Pending" and "insufficient unused quota" in quota["reason"]
    assert quota["events"] == ["Pending: couldn't assign flavors to pod set main"]
    assert by_name(js, "wl-noqueue")["status"] == "Inadmissible" and "team-b" in by_name(js, "wl-noqueue")["reason"]
    gang = by_name(js, "gang")
    assert gang["status"] == "Pending" and "Insufficient nvidia.com/gpu" in gang["reason"]
    ray = by_name(js, "ray-etl")
    assert ray["status"] == "Failed" and ray["kind"] == "RayJob" and "exit code 1" in ray["reason"]
    assert all(j["problem"] for j in js[:5]) and not js[-1]["problem"]  # problems first
    only = jobs(reader, problems_only=True)["jobs"]
    assert {j["name"] for j in only} == {"llama-ft", "wl-quota", "wl-noqueue", "gang", "ray-etl"}
    assert [j["name"] for j in jobs(reader, kind="RayJob")["jobs"]] == ["ray-etl"]


def test_inference_readiness_and_errors(reader: FakeReader) -> None:
    data = inference(reader)
    eps = data["endpoints"]
    broken = by_name(eps, "isvc-broken")
    assert not broken["ready"] and broken["reason"].startswith("PredictorNotReady")
    assert any("ModelLoadFailed" in e for e in broken["errors"])
    assert any(e.startswith("InternalError:") for e in broken["errors"])
    assert by_name(eps, "llama")["ready"] and by_name(eps, "llama")["url"].startswith("http://llama.")
    assert by_name(eps, "qwen")["ready"] and by_name(eps, "qwen")["replicas"]["ready"] == 1
    serve = by_name(eps, "serve-llm")
    assert not serve["ready"] and serve["reason"].startswith("ZeroServeEndpoints") and serve["replicas"] == {"ready": 0}
    assert serve["rayCluster"] == "serve-llm-raycluster-7x9"
    assert data["notReady"] == 2 and data["withErrors"] == ["InferenceService/team/isvc-broken"]
    assert [e["name"] for e in eps[:2]] == ["isvc-broken", "serve-llm"]  # not ready first


def test_pipelines_failing_step_and_stuck(reader: FakeReader) -> None:
    data = pipelines(reader)
    failed = by_name(data["runs"], "train-pipeline")
    assert failed["phase"] == "Failed" and failed["failingStep"]["name"] == "train"
    assert "OOMKilled" in failed["failingStep"]["message"] and failed["runId"] == "8f1c2d3e-run"
    stuck = by_name(data["runs"], "stuck-run")
    assert stuck["stuck"] and stuck["activeSteps"][0]["name"] == "fetch-data"
    assert stuck["minutesSinceLastActivity"] >= 119
    assert not by_name(data["runs"], "ok-run")["stuck"] and data["stuck"] == ["team/stuck-run"]
    assert pipelines(reader, name="8f1c2d3e-run")["runs"][0]["name"] == "train-pipeline"
    assert not by_name(pipelines(reader, stuck_after_minutes=600)["runs"], "stuck-run")["stuck"]


def test_kinds_not_installed_are_reported_not_raised() -> None:
    reader = FakeReader(in_memory(), missing=[RAY_JOBS, ARGO_WORKFLOWS])
    data = jobs(reader)
    assert "rayjobs.ray.io" in data["unread"] and "not installed" in data["unread"]["rayjobs.ray.io"]
    assert by_name(data["jobs"], "llama-ft")["status"] == "Failed"
    assert pipelines(reader)["runs"] == [] and "workflows.argoproj.io" in pipelines(reader)["unread"]


def test_answers_pass_the_credential_rules(reader: FakeReader) -> None:
    """The raw answers quote a step message and a failure message holding the canary; masked, it is gone."""
    raw = json.dumps([jobs(reader), inference(reader), pipelines(reader), gpus(reader)])
    assert CANARY in raw  # the scenario does put it where the tools read
    masked = json.dumps(mask_tree(json.loads(raw), REDACTED))
    assert CANARY not in masked and REDACTED in masked
    assert "OOMKilled" in masked and "Insufficient nvidia.com/gpu" in masked  # the evidence survives
    assert all(kind.kind != "Secret" for kind, _ in reader.calls)


@pytest.mark.parametrize("tool", [gpus, jobs, inference, pipelines])
def test_one_list_per_kind(tool) -> None:
    reader = FakeReader(in_memory())
    tool(reader)
    kinds = [k for k, _ in reader.calls]
    assert len(kinds) == len(set(kinds)), kinds
    assert all(ns is None for _, ns in reader.calls)  # cluster-wide, then filtered in memory
