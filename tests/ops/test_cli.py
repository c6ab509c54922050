"""The ops commands as a user meets them: help, bad input (exit 2, no traceback), ask without a key and with
--show-prompt, rbac --ops, the import cost of planning commands, and the MCP server in-process (the SDK's Client)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from planner.ops.context import OpsContext
from tests.checks.harness import FakeReader
from tests.cli_helpers import run_cli
from tests.ops.scenario import CANARY, in_memory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dead_kubeconfig(tmp_path: Path) -> str:
    """A kubeconfig naming an API server on a loopback port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kc = tmp_path / "kc"
    kc.write_text("apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                  f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}', insecure-skip-tls-verify: "
                  "true}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                  "users: [{name: u, user: {token: t}}]\n")
    return str(kc)


def test_help_lists_the_ops_commands(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "--help").out
    for name in ("status", "mcp", "ask"):
        assert f"\n  {name} " in out


@pytest.mark.parametrize("args", [
    ["status", "gpus", "-n", "x"], ["status", "jobs", "--node", "n1"], ["status", "inference", "--name", "x"],
    ["status", "nodes"], ["ask", " "], ["mcp", "-f", "a.yaml", "--profile", "full-mlops"],
    ["rbac", "--prometheus", "monitoring/p:9090"], ["rbac", "--ops", "--prometheus", "nope"],
    ["mcp", "--kubeconfig", "/nonexistent/kubeconfig"],
])
def test_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    result = run_cli(capsys, *args)
    assert result.code == 2, (args, result.err)
    assert "Traceback" not in result.err


def test_status_unreachable_is_exit_3(capsys: pytest.CaptureFixture[str], dead_kubeconfig: str) -> None:
    result = run_cli(capsys, "status", "jobs", "--kubeconfig", dead_kubeconfig)
    assert result.code == 3 and "cannot reach the Kubernetes API" in result.err


def test_mcp_http_port_taken_is_exit_2(capsys: pytest.CaptureFixture[str], dead_kubeconfig: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        result = run_cli(capsys, "mcp", "--http", str(s.getsockname()[1]), "--kubeconfig", dead_kubeconfig)
    assert result.code == 2 and "cannot listen on 127.0.0.1" in result.err


def test_ask_without_a_key_names_the_views(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STACKPLAN_CONFIG", str(tmp_path / "none.yaml"))
    expected = {"What GPU jobs are running and what is their status?": "`stackplan status jobs`",
                "Which inference services are returning errors?": "`stackplan status inference`",
                "Is pipeline X stuck, and which step failed?": "`stackplan status pipelines`",
                "Which GPU node is saturated?": "`stackplan status gpus`"}
    for question, view in expected.items():
        result = run_cli(capsys, "ask", question)
        assert result.code == 0 and view in result.out.split(";")[0], (question, result.out)
        assert "no ANTHROPIC_API_KEY" in result.err


def test_ask_show_prompt_sends_nothing(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a send would fail
    monkeypatch.setenv("STACKPLAN_CONFIG", str(tmp_path / "none.yaml"))
    result = run_cli(capsys, "ask", f"why does token={CANARY} fail?", "--show-prompt")
    assert result.code == 0 and result.out.startswith("# request 1: POST http://127.0.0.1:9/v1/messages")
    body = json.loads(result.out.split("\n", 1)[1])
    assert [t["name"] for t in body["tools"]][:4] == ["gpus", "jobs", "inference", "pipelines"]
    assert CANARY not in result.out and "nothing was sent" in result.err
    bad = run_cli(capsys, "ask", "q", "--base-url", "ftp://x")
    assert bad.code == 2 and "not an http(s) URL" in bad.err


def test_rbac_ops_grants_the_ops_kinds_and_one_proxy(capsys: pytest.CaptureFixture[str]) -> None:
    from ruamel.yaml import YAML

    result = run_cli(capsys, "rbac", "--ops", "--subject", "serviceaccount:ops:sp")
    assert result.code == 0, result.err
    docs = list(YAML(typ="safe").load_all(result.out))
    [ops] = [d for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "stackplan-ops"]
    assert {r for rule in ops["rules"] for r in rule["resources"]} == {"rayjobs", "workflows"}
    [role] = [d for d in docs if d["kind"] == "Role"]
    assert role["metadata"]["namespace"] == "monitoring"
    assert role["rules"] == [{"apiGroups": [""], "resources": ["services/proxy"], "verbs": ["get"],
                              "resourceNames": ["kube-prometheus-stack-prometheus:http-web"]}]
    assert {d["kind"] for d in docs} >= {"ClusterRoleBinding", "RoleBinding", "ServiceAccount"}
    rules = [r for d in docs if "rules" in d for r in d["rules"]]
    assert all("secrets" not in r["resources"] for r in rules)
    assert all(set(r["verbs"]) <= {"get", "list", "watch"} for r in rules)


def test_planning_commands_do_not_import_mcp_or_anthropic() -> None:
    code = ("import sys\nfrom planner.cli import cli\n"
            "for args in (['plan', '--profile', 'llm-inference', '-o', 'json'], ['--help']):\n"
            "    try:\n        cli.main(args=args, standalone_mode=False)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'anthropic', 'httpx', 'uvicorn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


# ------------------------------------------------------------------ the MCP server in-process (no cluster)

@pytest.fixture
def scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = FakeReader(in_memory())

    @contextmanager
    def fake_reader(self: OpsContext) -> Iterator[FakeReader]:
        yield reader

    monkeypatch.setattr(OpsContext, "reader", fake_reader)


def test_mcp_server_in_process(scenario: None) -> None:
    import anyio
    from mcp import Client

    from planner.commands.options import load_plan
    from planner.ops.mcp_server import build_server
    from planner.ops.tools import TOOLS

    async def drive() -> None:
        async with Client(build_server(OpsContext(load_plan=load_plan))) as client:
            tools = (await client.list_tools()).tools
            assert [t.name for t in tools] == list(TOOLS)
            assert all(t.annotations.read_only_hint for t in tools)
            jobs = await client.call_tool("jobs", {"problems_only": True})
            assert not jobs.is_error and {j["name"] for j in jobs.structured_content["jobs"]} == {
                "llama-ft", "wl-quota", "wl-noqueue", "gang", "ray-etl"}
            runs = await client.call_tool("pipelines", {})
            assert runs.structured_content["stuck"] == ["team/stuck-run"]
            assert CANARY not in runs.content[0].text and "[REDACTED]" in runs.content[0].text
            gpus = await client.call_tool("gpus", {"utilisation": False})
            assert gpus.structured_content["saturated"] == ["gpu-a"]
            bad = await client.call_tool("pipelines", {"stuck_after_minutes": 0})
            assert bad.is_error and "stuck_after_minutes" in bad.content[0].text
            unknown = await client.call_tool("delete_pod", {})
            assert unknown.is_error and "unknown tool" in unknown.content[0].text
            no_plan = await client.call_tool("check", {})
            assert no_plan.is_error and "no stackplan.yaml here and no --profile given" in no_plan.content[0].text

    anyio.run(drive)


def test_ask_with_an_unreachable_cluster_sends_nothing(capsys: pytest.CaptureFixture[str], dead_kubeconfig: str,
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.explain.fake_anthropic import FakeAnthropic

    monkeypatch.setenv("STACKPLAN_CONFIG", str(tmp_path / "none.yaml"))
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdefghij")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        result = run_cli(capsys, "ask", "Which GPU node is saturated?", "--kubeconfig", dead_kubeconfig)
        assert result.code == 3 and "cannot reach the Kubernetes API" in result.err
        assert fake.requests == []
