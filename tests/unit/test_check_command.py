"""`stackplan check` end to end over a fake API (httpx MockTransport): exit codes, formats, report file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from planner.cli import main
from planner.cluster import ClusterReader

READY_NODE = {"metadata": {"name": "n0"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}


def fake_api(status_for: dict[str, int] | None = None, nodes: list[dict] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/version":
            return httpx.Response(200, json={"gitVersion": "v1.35.4"})
        if path == "/api":
            return httpx.Response(200, json={"versions": ["v1"]})
        for fragment, status in (status_for or {}).items():
            if fragment in path:
                return httpx.Response(status, json={"message": "nope"})
        if path == "/api/v1/nodes":
            return httpx.Response(200, json={"items": nodes if nodes is not None else [READY_NODE]})
        return httpx.Response(200, json={"items": []})
    return handler


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    def install(handler) -> list[ClusterReader]:
        made: list[ClusterReader] = []
        real_init = ClusterReader.__init__

        def init(self, kubeconfig=None, context=None, timeout=10.0, **kw):
            real_init(self, timeout=timeout, transport=httpx.MockTransport(handler))
            made.append(self)

        monkeypatch.setattr(ClusterReader, "__init__", init)
        return made
    return install


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["check", *args])
    return info.value.code, capsys.readouterr().out


def test_missing_crds_and_workloads_fail_with_exit_1(patched, capsys, tmp_path: Path) -> None:
    made = patched(fake_api())
    code, out = run(["--profile", "llm-inference", "-o", "json", "--report-file", str(tmp_path / "r.json")], capsys)
    assert code == 1
    report = json.loads(out)
    assert report["meta"]["kubernetesVersion"] == "v1.35.4" and report["meta"]["api"]["lists"] == made[0].lists
    ids = {f["checkId"] for f in report["findings"] if f["outcome"] == "FAILED"}
    assert {"HC001", "HC002", "HC010"} <= ids
    assert json.loads((tmp_path / "r.json").read_text())["findings"] == report["findings"]
    # one LIST per kind: no kind listed twice
    assert made[0].lists == made[0].requests - 2  # minus /version and /api


def test_forbidden_kinds_are_unknown_the_rest_still_run(patched, capsys) -> None:
    patched(fake_api({"/apis/nvidia.com/": 403, "/api/v1/pods": 403}))
    code, out = run(["--profile", "llm-inference", "-o", "json", "--component", "gpu-operator"], capsys)
    assert code == 1
    findings = json.loads(out)["findings"]
    unknown = {f["checkId"] for f in findings if f["outcome"] == "UNKNOWN"}
    assert {"HC010", "HC005", "HC011"} <= unknown
    assert any(f["checkId"] == "HC008" and f["outcome"] == "PASSED" for f in findings)
    assert all(f["message"].startswith(f"[{f['checkId']}]") for f in findings if f["outcome"] == "UNKNOWN")


def test_unknown_component_is_bad_input(patched, capsys) -> None:
    patched(fake_api())
    code, _ = run(["--profile", "llm-inference", "--component", "volcano"], capsys)
    assert code == 2


def test_explain_flags_need_explain(patched, capsys) -> None:
    patched(fake_api())
    code, _ = run(["--profile", "llm-inference", "--offline"], capsys)
    assert code == 2


def test_junit_and_sarif_render(patched, capsys) -> None:
    patched(fake_api())
    code, out = run(["--profile", "llm-inference", "-o", "junit"], capsys)
    assert code == 1 and "<testsuites" in out and "failures=" in out
    code, out = run(["--profile", "llm-inference", "-o", "sarif"], capsys)
    assert code == 1 and json.loads(out)["version"] == "2.1.0"
