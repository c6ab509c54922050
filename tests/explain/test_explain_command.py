"""`stackplan explain REPORT.json`: reads a check report, explains it, exit 0 — or 2 for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.explain.kb import default_knowledge_base
from planner.report import Finding, Report
from tests.cli_helpers import run_cli
from tests.explain.fake_anthropic import FakeAnthropic


def _report_file(tmp_path: Path) -> Path:
    kb = default_knowledge_base()
    findings = [Finding.from_dict(kb.get(i).example) for i in ("crd.missing", "kueue.clusterqueue-inactive")]
    path = tmp_path / "report.json"
    path.write_text(json.dumps(Report("check", tuple(findings)).to_dict()))
    return path


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "STACKPLAN_MODEL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_offline_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "--output", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert [f["explanation"]["source"] for f in data["findings"]] == [
        "knowledge-base:crd.missing", "knowledge-base:kueue.clusterqueue-inactive"]
    assert data["meta"]["explain"]["backend"] == "knowledge-base"


def test_model_through_env(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "-o", "json", "--model", "claude-opus-5")
        assert r.code == 0, r.err
        assert [f["explanation"]["source"] for f in json.loads(r.out)["findings"]] == ["model:claude-opus-5"] * 2
        assert {q.json["model"] for q in fake.message_requests} == {"claude-opus-5"}


def test_api_failure_is_one_line_and_exit_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAnthropic() as fake:
        fake.fail(401, times=5)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-bad")
        r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "--base-url", fake.base_url, "-o", "sarif")
    assert r.code == 0
    assert r.err.strip().count("\n") == 0 and "401" in r.err and "knowledge base" in r.err
    assert "knowledge-base:crd.missing" not in r.err and "Why:" in r.out


def test_show_prompt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "--show-prompt", "--anonymize")
    assert r.code == 0
    assert r.out.startswith("# request 1: POST https://api.anthropic.com/v1/messages")
    body = json.loads(r.out.split("\n", 1)[1])
    sent = json.dumps(body)
    assert "clusterqueues.kueue.x-k8s.io" not in sent and "gpu-queue" not in sent and "NAME_1" in sent
    assert "nothing was sent" in r.err


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"kind": "Plan"}', "not a stackplan report"),
    ('{"apiVersion": "stackplan.dev/v1alpha1", "kind": "Report", "reportKind": "check", "meta": {}, '
     '"summary": {"PASSED": 0, "FAILED": 0, "UNKNOWN": 0, "SKIPPED": 0}, "errors": [], '
     '"findings": [{"checkId": "X1"}]}', "/findings/0"),
])
def test_bad_report_exit_2_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str,
                                          message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    r = run_cli(capsys, "explain", str(path))
    assert r.code == 2
    assert str(path) in r.err and message in r.err and "Traceback" not in r.err


def test_missing_report_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    r = run_cli(capsys, "explain", str(tmp_path / "nope.json"))
    assert r.code == 2 and "nope.json" in r.err


def test_config_file_beats_environment_for_the_model(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config" / "stackplan").mkdir(parents=True)
    (tmp_path / "config" / "stackplan" / "config.yaml").write_text("explain:\n  model: claude-haiku-5-5\n")
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        monkeypatch.setenv("STACKPLAN_MODEL", "claude-opus-5")
        r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "-o", "json")
        assert r.code == 0, r.err
        assert {q.json["model"] for q in fake.message_requests} == {"claude-haiku-5-5"}


def test_cache_is_per_endpoint_and_no_cache_asks_again(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    report = str(_report_file(tmp_path))
    with FakeAnthropic() as one, FakeAnthropic() as two:
        assert run_cli(capsys, "explain", report, "--base-url", one.base_url).code == 0
        sent_to_one = len(one.message_requests)
        assert sent_to_one >= 1
        assert run_cli(capsys, "explain", report, "--base-url", one.base_url).code == 0
        assert len(one.message_requests) == sent_to_one  # same endpoint and model: from the cache
        assert run_cli(capsys, "explain", report, "--base-url", two.base_url).code == 0
        assert len(two.message_requests) == sent_to_one  # another endpoint never answers from one's entries
        assert run_cli(capsys, "explain", report, "--base-url", one.base_url, "--model", "claude-opus-5").code == 0
        assert len(one.message_requests) == 2 * sent_to_one  # nor another model
        assert run_cli(capsys, "explain", report, "--base-url", one.base_url, "--no-cache").code == 0
        assert len(one.message_requests) == 3 * sent_to_one  # --no-cache asks again


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--base-url", "ftp://x", "not an http(s) URL"),
    ("--base-url", "localhost:8080", "not an http(s) URL"),
    ("--model", "", "must not be empty"),
    ("--model", "  ", "must not be empty"),
])
def test_bad_model_or_base_url_is_exit_2_without_sending(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, flag: str, value: str,
                                                         message: str) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    r = run_cli(capsys, "explain", str(_report_file(tmp_path)), flag, value)
    assert r.code == 2 and flag in r.err and message in r.err and r.out == ""


def test_without_a_key_says_so_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    r = run_cli(capsys, "explain", str(_report_file(tmp_path)))
    assert r.code == 0 and r.err.count("no ANTHROPIC_API_KEY: using the offline knowledge base") == 1
    r = run_cli(capsys, "explain", str(_report_file(tmp_path)), "--offline")
    assert r.code == 0 and r.err == ""  # asked for: nothing to say


def test_a_problem_repeated_in_every_finding_is_reported_once(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    kb = default_knowledge_base()
    data = Report("check", (Finding.from_dict(kb.get("crd.missing").example),) * 20).to_dict()
    for f in data["findings"]:
        del f["remediation"], f["docUrl"]
    path = tmp_path / "e3.json"
    path.write_text(json.dumps(data, indent=1))
    r = run_cli(capsys, "explain", str(path))
    assert r.code == 2
    lines = [line for line in r.err.splitlines() if "missing required key" in line]
    assert len(lines) == 2, r.err
    assert any("`remediation` (20 times" in line for line in lines)
    assert any("`docUrl` (20 times" in line for line in lines)
    assert all(str(path) in line and "/findings/0" in line for line in lines)
