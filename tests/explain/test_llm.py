"""The LLM path end to end: the real `anthropic` SDK against a local Messages API (tests/explain/fake_anthropic.py)."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from planner.explain import explain_report
from planner.explain.config import ExplainConfig
from planner.explain.prompts import TOOL_NAME
from planner.report import Finding, Outcome, Report, Severity, Subject
from tests.explain.fake_anthropic import FakeAnthropic

API_KEY = "sk-ant-test-0123456789abcdefghij"
CANARY = "CANARY-5e2f7a91d0"
CANARY_B64 = base64.b64encode(CANARY.encode()).decode()


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def cfg(fake: FakeAnthropic, tmp_path: Path) -> ExplainConfig:
    return ExplainConfig(api_key=API_KEY, base_url=fake.base_url, cache_dir=tmp_path / "cache", timeout=5.0,
                         max_retries=2, backoff=0.01, max_retry_wait=5.0)


def _f(check: str, component: str | None, kind: str, name: str, ns: str | None, message: str,
       *evidence: str, outcome: Outcome = Outcome.FAILED, sensitive: tuple[str, ...] = ()) -> Finding:
    return Finding(check, "healthy", outcome, Subject(kind, name, ns), message, Severity.HIGH, component,
                   tuple(evidence), "", "", sensitive)


def report() -> Report:
    return Report("check", (
        _f("HC001", "gpu-operator", "Pod", "nvidia-operator-validator-x7k2p", "gpu-operator",
           "nvidia-operator-validator-x7k2p is Init:CrashLoopBackOff",
           "initContainer driver-validation state=Init:CrashLoopBackOff on node=gpu-node-1"),
        _f("HC002", "gpu-operator", "Node", "gpu-node-1", None, "node gpu-node-1 has no allocatable nvidia.com/gpu",
           'Node/gpu-node-1 .status.allocatable["nvidia.com/gpu"] missing', "InternalIP 10.20.30.40"),
        _f("HC003", "vllm-stack", "Pod", "vllm-llama-0", "llm", "Pod llm/vllm-llama-0 is Pending",
           f"container vllm env HF_TOKEN={CANARY}",
           f"metadata.annotations.example.com/registry-password: {CANARY}",
           "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."),
        _f("HC004", "vllm-stack", "Secret", "hf-token", "llm", "Secret llm/hf-token is referenced but unreadable",
           f"Secret/llm/hf-token data.token={CANARY_B64}", f"kubeconfig client-key-data: {CANARY_B64}{CANARY_B64}",
           f"pull from https://robot:{CANARY}@registry.example.com/v2/"),
        Finding("HC005", "ok", Outcome.PASSED, Subject("Deployment", "kueue-controller-manager", "kueue-system"), "ok"),
    ))


def _all_sent(fake: FakeAnthropic) -> list[tuple[str, str]]:
    """(where, text) for every body and every header except the one carrying the API key."""
    out = []
    for r in fake.requests:
        out.append(("body", r.body.decode()))
        out += [(f"header {k}", v) for k, v in r.headers.items() if k not in ("authorization", "x-api-key")]
    return out


def test_secrets_never_leave_the_process(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    out = explain_report(report(), config=cfg, echo=lambda m: None)
    assert len(fake.message_requests) == 2  # one request per component: gpu-operator, vllm-stack
    for where, text in _all_sent(fake):
        for secret in (CANARY, CANARY_B64, API_KEY):
            assert secret not in text, f"{secret} sent in {where}"
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in fake.requests)
    assert out.meta["explain"]["redactions"] >= 5
    sent = " ".join(r.body.decode() for r in fake.requests)
    assert "[REDACTED]" in sent and "Insufficient nvidia.com/gpu" in sent  # evidence still useful


def test_request_shape_tool_use_and_prompt_caching(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    out = explain_report(report(), config=cfg, echo=lambda m: None)
    bodies = [r.json for r in fake.message_requests]
    for body in bodies:
        assert body["model"] == cfg.model
        assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["tools"][0]["input_schema"]["required"] == ["explanations"]
    assert bodies[0]["system"] == bodies[1]["system"] and bodies[0]["tools"] == bodies[1]["tools"]  # stable prefix
    assert "gpu-operator" in bodies[0]["messages"][0]["content"].splitlines()[0]
    assert bodies[0]["messages"][0]["content"].count('"id":"F') == 2
    problems = [f for f in out.findings if f.is_problem]
    assert [f.explanation.source for f in problems] == [f"model:{cfg.model}"] * 4
    assert problems[0].explanation.summary.startswith("Pod/gpu-operator/nvidia-operator-validator-x7k2p is broken")
    assert out.findings[4].explanation is None  # passed findings are not explained
    assert out.exit_code() == report().exit_code()


def test_anonymize_round_trip(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    r = report()
    first_finding = replace(r.findings[0], sensitive=("acme-gpu-pool",),
                            evidence=(*r.findings[0].evidence, "pool acme-gpu-pool"))
    r = r.with_findings([first_finding, *r.findings[1:]])
    out = explain_report(r, config=cfg, anonymize=True, echo=lambda m: None)
    sent = " ".join(x.body.decode() for x in fake.message_requests)
    for name in ("gpu-operator/", "nvidia-operator-validator-x7k2p", "gpu-node-1", "10.20.30.40", "vllm-llama-0",
                 '"llm/', "acme-gpu-pool"):
        assert name not in sent, f"{name} was sent despite --anonymize"
    assert "POD_1" in sent and "NODE_1" in sent and "IP_1" in sent
    first = out.findings[0].explanation
    assert first.summary.startswith("Pod/gpu-operator/nvidia-operator-validator-x7k2p is broken")  # restored
    assert "kubectl describe Pod/gpu-operator/nvidia-operator-validator-x7k2p" in first.commands
    assert out.meta["explain"]["anonymized"] >= 6


def test_second_run_sends_nothing_and_changes_invalidate(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    first = explain_report(report(), config=cfg, echo=lambda m: None)
    n = len(fake.requests)
    second = explain_report(report(), config=cfg, echo=lambda m: None)
    assert len(fake.requests) == n, "a cached finding must cost no request"
    assert second.findings == first.findings
    assert second.meta["explain"]["cached"] == 4 and second.meta["explain"]["requests"] == 0
    changed = report().with_findings([replace(report().findings[0], message="validator is Init:Error"),
                                      *report().findings[1:]])
    explain_report(changed, config=cfg, echo=lambda m: None)
    assert len(fake.requests) == n + 1
    assert fake.requests[-1].json["messages"][0]["content"].count('"id":"F') == 1  # only the changed one
    explain_report(report(), config=replace(cfg, model="claude-opus-5"), echo=lambda m: None)
    assert len(fake.requests) == n + 3  # another model: no reuse


def test_anonymized_cache_entries_hold_no_names(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    explain_report(report(), config=cfg, anonymize=True, echo=lambda m: None)
    stored = " ".join(p.read_text() for p in (cfg.cache_dir or Path()).rglob("*.json"))
    assert stored and "nvidia-operator-validator-x7k2p" not in stored and "POD_1" in stored
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in (cfg.cache_dir or Path()).rglob("*.json"))


@pytest.mark.parametrize(("status", "attempts", "expected"), [
    (429, 3, "quota exhausted or rate limited (429)"),
    (500, 3, "failed (HTTP 500) after 3 attempts"),
    (529, 3, "is overloaded (HTTP 529)"),
    (401, 1, "rejected the API key (401)"),
    (403, 1, "may not use model"),
])
def test_api_errors_fall_back_with_one_plain_message(fake: FakeAnthropic, cfg: ExplainConfig, status: int,
                                                     attempts: int, expected: str) -> None:
    fake.fail(status, times=10, headers={"retry-after-ms": "1"} if status == 429 else None)
    messages: list[str] = []
    out = explain_report(report(), config=cfg, echo=messages.append)
    assert len(messages) == 1 and expected in messages[0] and "offline knowledge base" in messages[0]
    assert "Traceback" not in messages[0]
    assert len(fake.message_requests) == attempts, "no further requests after the API failed"
    problems = [f for f in out.findings if f.is_problem]
    assert all(f.explanation.source.startswith("knowledge-base:") for f in problems)
    assert problems[0].explanation.source == "knowledge-base:gpu-operator.validator-init-crashloop"
    assert out.exit_code() == 1 and out.meta["explain"]["fallback"]


def test_timeout_falls_back(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    fake.delay(1.5, times=2)
    messages: list[str] = []
    out = explain_report(report(), config=replace(cfg, timeout=0.3, max_retries=1), echo=messages.append)
    assert len(messages) == 1 and "did not answer within 0.3s" in messages[0]
    assert all(f.explanation.source.startswith("knowledge-base:") for f in out.findings if f.is_problem)


def test_long_retry_after_is_not_waited_for(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    fake.fail(429, headers={"retry-after": "3600"})
    messages: list[str] = []
    explain_report(report(), config=cfg, echo=messages.append)
    assert len(fake.message_requests) == 1 and "wait 3600s" in messages[0]


def test_transient_errors_are_retried(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    fake.fail(500)
    fake.fail(429, headers={"retry-after-ms": "1"})
    messages: list[str] = []
    out = explain_report(report(), config=cfg, echo=messages.append)
    assert not messages
    assert len(fake.message_requests) == 4  # 2 failures + 2 successful batches
    assert all(f.explanation.source.startswith("model:") for f in out.findings if f.is_problem)


def test_invalid_answers_are_rejected_not_scraped(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    fake.reply([{"type": "text", "text": '{"explanations": []} -- here you go'}], stop_reason="end_turn")
    fake.reply([{"type": "tool_use", "id": "t", "name": TOOL_NAME, "input": {"explanations": [{"id": "F1"}]}}])
    messages: list[str] = []
    out = explain_report(report(), config=cfg, echo=messages.append)
    assert len(messages) == 2
    assert "did not answer with the record_explanations tool" in messages[0]
    assert "does not match the explanation schema" in messages[1]
    assert all(f.explanation.source.startswith("knowledge-base:") for f in out.findings if f.is_problem)


def test_findings_the_model_skips_come_from_the_knowledge_base(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    fake.answer = lambda body: {"explanations": [
        {"id": "F1", "summary": "s", "cause": "c", "fix": "f", "commands": []}]}
    out = explain_report(report(), config=cfg, echo=lambda m: None)
    sources = [f.explanation.source for f in out.findings if f.is_problem]
    assert sources[0] == sources[2] == f"model:{cfg.model}"
    assert sources[1] == "knowledge-base:gpu-operator.no-allocatable-gpus"
    assert out.meta["explain"]["fromKnowledgeBase"] == 2


def test_show_prompt_prints_exactly_what_is_sent_and_sends_nothing(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    printed: list[str] = []
    notes: list[str] = []
    same = explain_report(report(), config=cfg, show_prompt=True, prompt_echo=printed.append, echo=notes.append)
    assert fake.requests == [] and same == report()
    assert len(printed) == 2 and "nothing was sent" in notes[0]
    shown = [json.loads(p.split("\n", 1)[1]) for p in printed]
    explain_report(report(), config=cfg, echo=lambda m: None)
    assert shown == [r.json for r in fake.message_requests]
    assert all(CANARY not in p for p in printed)


def test_show_prompt_works_without_a_key(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    printed: list[str] = []
    explain_report(report(), config=replace(cfg, api_key=None), show_prompt=True, prompt_echo=printed.append,
                   echo=lambda m: None)
    assert len(printed) == 2 and fake.requests == []


def test_no_key_or_offline_sends_nothing(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    for out in (explain_report(report(), config=replace(cfg, api_key=None)),
                explain_report(report(), config=cfg, offline=True)):
        assert all(f.explanation.source.startswith("knowledge-base:") for f in out.findings if f.is_problem)
        assert out.meta["explain"]["backend"] == "knowledge-base"
    assert fake.requests == []


def test_batches_are_capped(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    many = Report("check", tuple(_f("HC009", "kueue", "Workload", f"w-{i}", "team", f"w-{i} pending")
                                 for i in range(5)))
    explain_report(many, config=replace(cfg, max_batch=2), echo=lambda m: None)
    assert [r.json["messages"][0]["content"].count('"id":"F') for r in fake.message_requests] == [2, 2, 1]


def test_the_sdk_warns_about_nothing(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explain_report(report(), config=cfg, echo=lambda m: None)


def test_a_deprecated_model_gets_a_plain_note(fake: FakeAnthropic, cfg: ExplainConfig,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from anthropic._data import DEPRECATED_MODELS  # the SDK's table; the test adds its own retired model

    monkeypatch.setitem(DEPRECATED_MODELS, "claude-sonnet-0-1", "January 1st, 2020")
    notes: list[str] = []
    out = explain_report(report(), config=replace(cfg, model="claude-sonnet-0-1"), echo=notes.append)
    assert any("deprecated" in n and "STACKPLAN_MODEL" in n for n in notes)
    assert all(f.explanation.source == "model:claude-sonnet-0-1" for f in out.findings if f.is_problem)


def test_auth_token_instead_of_api_key(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    out = explain_report(report(), config=replace(cfg, api_key=None, auth_token="tok-" + CANARY), echo=lambda m: None)
    assert all(f.explanation.source.startswith("model:") for f in out.findings if f.is_problem)
    assert all(r.headers["authorization"] == f"Bearer tok-{CANARY}" for r in fake.requests)
    assert all(CANARY not in r.body.decode() for r in fake.requests)


def test_anonymized_answers_are_reused_for_other_names(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    """Same failure, other names: the anonymized request is identical, so the cached answer is reused and
    restored with the new names."""
    def one(ns: str, pod: str) -> Report:
        return Report("check", (_f("HC005", "kueue", "Pod", pod, ns, f"pod {ns}/{pod} is in CrashLoopBackOff",
                                   f"Pod/{ns}/{pod} .status.containerStatuses[manager] restartCount=9"),))
    explain_report(one("team-a", "trainer-0"), config=cfg, anonymize=True, echo=lambda m: None)
    out = explain_report(one("team-b", "worker-7"), config=cfg, anonymize=True, echo=lambda m: None)
    assert len(fake.message_requests) == 1
    assert out.findings[0].explanation.summary.startswith("Pod/team-b/worker-7 is broken")


def test_run_level_subjects_are_not_anonymized(fake: FakeAnthropic, cfg: ExplainConfig) -> None:
    r = Report("check", (_f("HC020", "kueue", "Check", "HC020", None,
                            "[HC020] forbidden: cannot list clusterqueues.kueue.x-k8s.io cluster-wide",
                            outcome=Outcome.UNKNOWN),))
    explain_report(r, config=cfg, anonymize=True, echo=lambda m: None)
    assert "[HC020] forbidden" in fake.message_requests[0].body.decode()
