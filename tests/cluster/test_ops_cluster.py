"""The ops layer on the real control plane: `stackplan status` views with known answers, the MCP server driven by
the SDK's own client over stdio and streamable HTTP, `stackplan ask` against the local Messages API, the RBAC
`stackplan rbac --ops` prints, and a canary credential that no answer ever contains.

The scenario (tests/ops/scenario.py) is created in a fresh namespace: the CRDs (stand-ins with the upstream group,
version and kind, deleted afterwards if this test created them), two kwok GPU nodes with pods bound to them, the
custom objects with their status set through the status subresource, Warning events, and a Secret.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from planner import kinds
from planner.sandbox import Kube, KubeError, path_for
from tests.explain.fake_anthropic import FakeAnthropic
from tests.fixtures_cluster import deployment, eventually, wait_crd_established
from tests.ops import scenario

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ["gpus", "jobs", "inference", "pipelines", "check", "drift", "preflight", "explain"]
# answers that move with the clock, left out when two reads of the same cluster are compared
CLOCK = {"ageMinutes", "minutesSinceLastActivity"}
ENGINE = "vllm-llama-deployment-vllm"  # the vLLM stack's engine naming: <release>-<model>-deployment-vllm


@dataclass
class Scenario:
    namespace: str
    node_a: str
    node_b: str
    kubeconfig: str
    env: dict[str, str]


def _kind_of(obj: dict[str, Any]) -> kinds.Kind:
    known = {(k.group, k.kind): k for k in vars(kinds).values() if isinstance(k, kinds.Kind)}
    return known[(obj["apiVersion"].rsplit("/", 1)[0], obj["kind"])]


def _ensure_crd(kube: Kube, name: str) -> bool:
    """Create the stand-in CRD unless it exists (waiting out one being deleted); True if this call created it."""
    from tests.charts.build import crd

    def gone_or_live() -> bool:
        try:
            return not kube.get(path_for("customresourcedefinitions", name=name))["metadata"].get("deletionTimestamp")
        except KubeError as e:
            return e.status == 404

    eventually(gone_or_live, timeout=60, what=f"CRD {name} not terminating")
    try:
        kube.create(path_for("customresourcedefinitions"), crd(name))
        created = True
    except KubeError as e:
        if e.status != 409:
            raise
        created = False
    wait_crd_established(kube, name)
    return created


@pytest.fixture(scope="module")
def ops_crds(control_plane) -> Iterator[None]:
    """The scenario's CRDs, once for this module; deleted afterwards if this module created them."""
    with control_plane.kube() as kube:
        created = [name for name in scenario.CRDS if _ensure_crd(kube, name)]
    yield
    with control_plane.kube() as kube:
        for name in created:
            kube.delete(path_for("customresourcedefinitions", name=name))


@pytest.fixture
def ops_scenario(ops_crds: None, kube: Kube, cluster_namespace: str, add_cluster_nodes,
                 cluster_env: dict[str, str], kubeconfig: str) -> Iterator[Scenario]:
    ns = cluster_namespace
    node_a, node_b = add_cluster_nodes(gpu_nodes=2, gpus_per_node=8)
    for p in scenario.pods(ns, node_a, node_b):
        kube.create(path_for("pods", ns), p)
    for obj, status in scenario.custom_objects(ns):
        kind = _kind_of(obj)
        kube.create(kind.path(ns), obj)
        # a new object may not be served by a just-established CRD for a moment: retry the status write
        eventually(lambda k=kind, o=obj, st=status: _set_status(kube, k, ns, o["metadata"]["name"], st),
                   timeout=30, what=f"status of {obj['kind']} {obj['metadata']['name']}")
    for e in scenario.events(ns):
        kube.create(path_for("events", ns), e)
    kube.create(path_for("secrets", ns), scenario.secret(ns))
    # a vLLM engine that cannot be scheduled: the scheduler's own condition and event are the errors
    engine = deployment(ENGINE, 1)
    engine["metadata"]["labels"] = {"helm-release-name": "vllm", "model": "llama"}
    engine["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {scenario.GPU: "100"}}
    kube.create(path_for("deployments", ns), engine)
    eventually(lambda: all((p.get("status") or {}).get("phase") == "Running"
                           for p in kube.items(path_for("pods", ns), labelSelector="app in (train-a,train-b,"
                                                                                 "infer-a)")),
               what="GPU pods running on the kwok nodes")
    eventually(lambda: any(e.get("reason") == "FailedScheduling"
                           for e in kube.items(path_for("events", ns), fieldSelector="type=Warning")),
               what="the scheduler's FailedScheduling event for the engine pod")
    env = dict(cluster_env, KUBECONFIG=kubeconfig)
    env.pop("ANTHROPIC_API_KEY", None)
    yield Scenario(ns, node_a, node_b, kubeconfig, env)


def _set_status(kube: Kube, kind: kinds.Kind, ns: str, name: str, status: dict[str, Any]) -> bool:
    try:
        kube.request("PATCH", f"{kind.path(ns)}/{name}/status", {"status": status},
                     content_type="application/merge-patch+json")
    except KubeError as e:
        if e.status == 404:
            return False
        raise
    return True


def stackplan(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout, check=False)


def status_json(view: str, s: Scenario, *extra: str) -> dict[str, Any]:
    args = ["status", view, "-o", "json", *extra]
    if view != "gpus":
        args += ["-n", s.namespace]
    result = stackplan(args, s.env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [i for i in items if i.get("name") == name or i.get("node") == name]
    return found


def without_clock(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_clock(v) for k, v in data.items() if k not in CLOCK}
    if isinstance(data, list):
        return [without_clock(v) for v in data]
    return data


def mine(gpus: dict[str, Any], s: Scenario) -> dict[str, Any]:
    """The gpus answer restricted to this test's nodes (the session has GPU nodes of other tests)."""
    return {**gpus, "nodes": [n for n in gpus["nodes"] if n["node"] in (s.node_a, s.node_b)], "total": None,
            "saturated": [n for n in gpus["saturated"] if n in (s.node_a, s.node_b)]}


# ----------------------------------------------------------------------------------------------- status views

def test_status_views_have_the_known_answers(ops_scenario: Scenario) -> None:
    s = ops_scenario
    gpus = status_json("gpus", s)
    a, b = by_name(gpus["nodes"], s.node_a), by_name(gpus["nodes"], s.node_b)
    assert (a["allocatable"], a["requested"], a["free"], a["saturated"]) == (8, 8, 0, True)
    assert (b["allocatable"], b["requested"], b["free"], b["saturated"]) == (8, 2, 6, False)
    assert s.node_a in gpus["saturated"] and s.node_b not in gpus["saturated"]
    assert "no Prometheus" in gpus["utilisationSource"]  # none installed: said, not failed

    jobs = status_json("jobs", s)["jobs"]
    expected = {"llama-ft": "Failed", "bert": "Running", "wl-admitted": "Admitted", "wl-quota": "Pending",
                "wl-noqueue": "Inadmissible", "gang": "Pending", "ray-etl": "Failed"}
    assert {j["name"]: j["status"] for j in jobs} == expected
    assert "insufficient unused quota" in by_name(jobs, "wl-quota")["reason"]
    assert by_name(jobs, "wl-quota")["events"] == ["Pending: couldn't assign flavors to pod set main"]

    inference = status_json("inference", s)
    eps = inference["endpoints"]
    assert {e["name"]: e["ready"] for e in eps} == {"llama": True, "isvc-broken": False, "qwen": True, ENGINE: False,
                                                   "serve-llm": False}
    engine = by_name(eps, ENGINE)
    assert engine["kind"] == "VllmEngine" and engine["model"] == "llama"
    assert any("Insufficient nvidia.com/gpu" in e for e in engine["errors"]), engine["errors"]  # the scheduler's
    assert any("ModelLoadFailed" in e for e in by_name(eps, "isvc-broken")["errors"])

    runs = status_json("pipelines", s)
    assert by_name(runs["runs"], "train-pipeline")["failingStep"]["name"] == "train"
    assert runs["stuck"] == [f"{s.namespace}/stuck-run"]

    table = stackplan(["status", "pipelines", "-n", s.namespace], s.env)
    assert table.returncode == 0, table.stderr
    assert "STUCK" in table.stdout and "failed step train: OOMKilled" in table.stdout
    table = stackplan(["status", "gpus", "--node", s.node_a, "--no-utilisation"], s.env)
    assert s.node_a in table.stdout and f"saturated (no free GPU): {s.node_a}" in table.stdout
    for text in (json.dumps([gpus, jobs, inference, runs]), table.stdout):
        assert scenario.CANARY not in text


def prometheus_service(kube: Kube, ns: str) -> None:
    """kube-prometheus-stack's Prometheus Service (its upstream name, labels, port and selector) selecting no pod:
    the API server's proxy answers 503 by itself, so nothing is dialled, yet the request went the whole way.
    The tools take the first such Service in the cluster: wait until an earlier test's namespace is gone."""
    eventually(lambda: not kube.items(path_for("services"), labelSelector="app.kubernetes.io/part-of="
                                                                          "kube-prometheus-stack"),
               timeout=120, what="no other Prometheus Service left by an earlier test")
    kube.create(path_for("services", ns), {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-prometheus-stack-prometheus",
                     "labels": {"app": "kube-prometheus-stack-prometheus",
                                "app.kubernetes.io/part-of": "kube-prometheus-stack"}},
        "spec": {"selector": {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name":
                              "kube-prometheus-stack-prometheus"},
                 "ports": [{"name": "http-web", "port": 9090, "targetPort": 9090}]}})


def test_gpu_utilisation_goes_through_the_api_server_proxy(ops_scenario: Scenario, kube: Kube) -> None:
    s = ops_scenario
    prometheus_service(kube, s.namespace)
    gpus = status_json("gpus", s)
    assert gpus["utilisationSource"] == (f"utilisation not read: Prometheus {s.namespace}/kube-prometheus-stack-"
                                         "prometheus answered HTTP 503 through the API server proxy")
    assert by_name(gpus["nodes"], s.node_a)["free"] == 0  # the rest is answered


# ----------------------------------------------------------------------------------------------- MCP server

async def _drive(client_target: Any, s: Scenario) -> dict[str, Any]:
    """List the tools and call each once; returns {tool: structured result}, plus the listed tools."""
    from mcp import Client

    out: dict[str, Any] = {}
    async with Client(client_target, read_timeout_seconds=120) as client:
        listed = (await client.list_tools()).tools
        out["_tools"] = listed
        calls = {"gpus": {"utilisation": True}, "jobs": {"namespace": s.namespace},
                 "inference": {"namespace": s.namespace}, "pipelines": {"namespace": s.namespace},
                 "check": {"profile": "llm-inference", "components": ["kubeai"]},
                 "drift": {"profile": "llm-inference"}, "preflight": {"profile": "llm-inference"},
                 "explain": {"profile": "llm-inference", "components": ["kubeai"]}}
        for name, args in calls.items():
            result = await client.call_tool(name, args)
            assert not result.is_error, (name, result.content)
            text = result.content[0].text
            assert json.loads(text) == result.structured_content
            assert scenario.CANARY not in text, name
            out[name] = result.structured_content
        bad = await client.call_tool("jobs", {"kind": "Deployment"})
        assert bad.is_error and "invalid arguments" in bad.content[0].text
    return out


def _check_mcp_answers(out: dict[str, Any], s: Scenario) -> None:
    listed = out["_tools"]
    assert [t.name for t in listed] == TOOLS
    for t in listed:
        assert t.input_schema["type"] == "object" and t.input_schema["additionalProperties"] is False
        assert t.output_schema["type"] == "object" and t.output_schema["required"]
        assert t.annotations.read_only_hint and not t.annotations.destructive_hint
    # the same facts `status` prints
    for view in ("jobs", "inference", "pipelines"):
        assert without_clock(out[view]) == without_clock(status_json(view, s)), view
    assert mine(out["gpus"], s) == mine(status_json("gpus", s), s)
    # check/drift/explain answer reports: KubeAI is not installed here
    assert out["check"]["kind"] == "Report" and out["check"]["findings"]
    assert all(f["outcome"] in ("FAILED", "UNKNOWN") for f in out["check"]["findings"])
    assert out["drift"]["reportKind"] == "drift" and out["drift"]["findings"]
    assert all(f.get("explanation") for f in out["explain"]["findings"])
    assert out["preflight"]["reportKind"] == "preflight" and "findings" in out["preflight"]


def test_mcp_server_over_stdio(ops_scenario: Scenario) -> None:
    import anyio
    from mcp import StdioServerParameters

    s = ops_scenario
    params = StdioServerParameters(command=sys.executable, args=["-m", "planner", "mcp"], env=s.env, cwd=str(ROOT))
    out = anyio.run(_drive, params, s)
    _check_mcp_answers(out, s)


def test_mcp_server_over_streamable_http(ops_scenario: Scenario) -> None:
    import anyio

    s = ops_scenario
    proc = subprocess.Popen([sys.executable, "-m", "planner", "mcp", "--http", "0"], env=s.env, cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        lines, m = [], None
        while m is None and len(lines) < 20 and proc.stderr is not None:
            lines.append(proc.stderr.readline())
            m = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", lines[-1])
        assert m, lines
        out = anyio.run(_drive, m.group(1), s)
        _check_mcp_answers(out, s)
        import httpx  # DNS-rebinding protection: a request naming another Host is refused

        r = httpx.post(m.group(1), headers={"Host": "evil.example", "Content-Type": "application/json",
                                            "Accept": "application/json, text/event-stream"}, json={})
        assert r.status_code in (400, 403, 421), r.status_code
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ops_views_under_the_ops_rbac(ops_scenario: Scenario, kube: Kube, control_plane, tmp_path: Path) -> None:
    """Under `stackplan rbac --ops`, every view reads everything it needs, and Secrets stay forbidden."""
    from tests.cluster.test_check_cluster import token_kubeconfig, wait_for_rbac

    s, sa = ops_scenario, "stackplan-ops"
    rbac = stackplan(["rbac", "--ops", "--subject", f"serviceaccount:{s.namespace}:{sa}",
                      "--prometheus", f"{s.namespace}/kube-prometheus-stack-prometheus:http-web"], s.env)
    assert rbac.returncode == 0, rbac.stderr
    docs = rbac.stdout
    assert "secrets" not in docs
    applied = subprocess.run(["kubectl", "apply", "-f", "-"], input=docs, capture_output=True, text=True,
                             env=s.env, timeout=60, check=False)
    assert applied.returncode == 0, applied.stderr
    try:
        kc, token = token_kubeconfig(kube, control_plane, s.namespace, sa, tmp_path / "ops.kubeconfig")
        wait_for_rbac(kc)
        env = dict(s.env, KUBECONFIG=str(kc))
        prometheus_service(kube, s.namespace)  # the Role allows get on its proxy: 503 (no endpoints), not 403
        assert "HTTP 503" in json.loads(stackplan(["status", "gpus", "-o", "json"], env).stdout)["utilisationSource"]
        for view in ("gpus", "jobs", "inference", "pipelines"):
            result = stackplan(["status", view, "-o", "json"], env)
            assert result.returncode == 0, result.stderr
            assert "forbidden" not in result.stderr and "unread" not in json.loads(result.stdout), (view, result.stderr)
        with pytest.raises(KubeError) as denied:
            Kube(control_plane.credentials(), token=token).get(path_for("secrets", s.namespace))
        assert denied.value.status == 403
    finally:
        subprocess.run(["kubectl", "delete", "--ignore-not-found", "-f", "-"], input=docs, env=s.env,
                       capture_output=True, text=True, timeout=60, check=False)


# ----------------------------------------------------------------------------------------------- ask

QUESTIONS = [
    ("What GPU jobs are running and what is their status?", "jobs", "Failed"),
    ("Which inference services are returning errors?", "inference", "not ready"),
    ("Is pipeline stuck-run stuck, and which step failed?", "pipelines", "stuck:"),
    ("Which GPU node is saturated?", "gpus", "saturated:"),
]


@pytest.mark.parametrize(("question", "tool", "fact"), QUESTIONS)
def test_ask_answers_with_the_tools(ops_scenario: Scenario, question: str, tool: str, fact: str) -> None:
    s = ops_scenario
    with FakeAnthropic() as fake:
        args = {} if tool == "gpus" else {"namespace": s.namespace}
        fake.reply([{"type": "tool_use", "id": "toolu_1", "name": tool, "input": args}])
        fake.reply([{"type": "text", "text": f"Scripted answer after calling {tool}."}], stop_reason="end_turn")
        env = dict(s.env, ANTHROPIC_API_KEY="sk-ant-test-0123456789abcdefghij", ANTHROPIC_BASE_URL=fake.base_url)
        started = time.monotonic()
        result = stackplan(["ask", question], env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"Scripted answer after calling {tool}.")
        assert f"Tools called:\n  {tool}(" in result.stdout and fact in result.stdout, result.stdout
        assert len(fake.message_requests) == 2 and time.monotonic() - started < 60
        tool_result = fake.message_requests[1].json["messages"][-1]["content"][0]["content"]
        if tool == "pipelines":
            assert f'"stuck":["{s.namespace}/stuck-run"]' in tool_result and "OOMKilled" in tool_result
        if tool == "gpus":
            assert s.node_a in tool_result
        for r in fake.requests:
            assert scenario.CANARY not in r.body.decode()


def test_ask_without_a_key_names_the_status_view(ops_scenario: Scenario) -> None:
    result = stackplan(["ask", "Which GPU node is saturated?"], {k: v for k, v in ops_scenario.env.items()
                                                                if not k.startswith("ANTHROPIC")})
    assert result.returncode == 0 and "`stackplan status gpus`" in result.stdout
    assert "no ANTHROPIC_API_KEY" in result.stderr
