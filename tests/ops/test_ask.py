"""`stackplan ask`: the real anthropic SDK against the local Messages API (tests/explain/fake_anthropic.py),
scripted to call the ops tools, which run over the in-memory scenario; the issue's four questions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from planner.explain.anthropic import AnthropicExplainer
from planner.explain.config import ExplainConfig
from planner.ops.ask import ask
from planner.ops.context import OpsContext
from planner.ops.tools import status_for
from tests.checks.harness import FakeReader
from tests.explain.fake_anthropic import FakeAnthropic
from tests.ops.scenario import CANARY, in_memory

API_KEY = "sk-ant-test-0123456789abcdefghij"

# question -> (tool the scripted model calls, its arguments, facts the tool result must carry back to the model)
QUESTIONS = {
    "What GPU jobs are running and what is their status?":
        ("jobs", {}, ['"name":"llama-ft"', '"status":"Failed"', '"name":"bert"', '"status":"Running"',
                      "insufficient unused quota"]),
    "Which inference services are returning errors?":
        ("inference", {"not_ready_only": True}, ['"name":"isvc-broken"', "ModelLoadFailed", '"notReady":2']),
    "Is pipeline stuck-run stuck, and which step failed in train-pipeline?":
        ("pipelines", {}, ['"stuck":["team/stuck-run"]', '"name":"train"', "OOMKilled"]),
    "Which GPU node is saturated?":
        ("gpus", {"utilisation": False}, ['"saturated":["gpu-a"]', '"free":6']),
}


@pytest.fixture
def scenario(monkeypatch: pytest.MonkeyPatch) -> FakeReader:
    reader = FakeReader(in_memory())

    @contextmanager
    def fake_reader(self: OpsContext) -> Iterator[FakeReader]:
        yield reader

    monkeypatch.setattr(OpsContext, "reader", fake_reader)
    return reader


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def _client(fake: FakeAnthropic, tmp_path: Path) -> AnthropicExplainer:
    cfg = ExplainConfig(api_key=API_KEY, base_url=fake.base_url, cache_dir=tmp_path, timeout=5.0, max_retries=0)
    return AnthropicExplainer(cfg)


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_ask_answers_the_four_questions_by_calling_tools(question: str, scenario: FakeReader, fake: FakeAnthropic,
                                                         tmp_path: Path) -> None:
    tool, args, facts = QUESTIONS[question]
    fake.reply([{"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_1", "name": tool, "input": args}])
    fake.reply([{"type": "text", "text": f"Answer from the {tool} tool.\nEvidence: ..."}], stop_reason="end_turn")
    answer = ask(question, OpsContext(), _client(fake, tmp_path).create, model="claude-test", max_tokens=512)
    assert answer.complete and answer.requests == 2 and answer.text.startswith(f"Answer from the {tool} tool")
    [evidence] = answer.evidence
    assert (evidence.tool, evidence.arguments) == (tool, args)
    first, second = (r.json for r in fake.message_requests)
    assert [t["name"] for t in first["tools"]] == ["gpus", "jobs", "inference", "pipelines", "check", "drift",
                                                   "preflight", "explain"]
    assert first["messages"] == [{"role": "user", "content": question}]
    [result] = second["messages"][-1]["content"]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_1"
    for fact in facts:
        assert fact in result["content"], fact
    assert second["messages"][1]["content"][1]["name"] == tool  # the assistant's tool call is sent back
    for r in fake.requests:  # the canary sits in pod env, an annotation, a step message, an event, a Secret
        assert CANARY not in r.body.decode()
    assert tool in status_for(question)  # and without a key, `status <view>` is named


def test_tool_errors_go_back_to_the_model(scenario: FakeReader, fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.reply([{"type": "tool_use", "id": "t1", "name": "jobs", "input": {"kind": "CronJob"}},
                {"type": "tool_use", "id": "t2", "name": "rm_rf", "input": {}}])
    fake.reply([{"type": "text", "text": "I could not read that."}], stop_reason="end_turn")
    answer = ask("jobs?", OpsContext(), _client(fake, tmp_path).create, model="m", max_tokens=256)
    results = fake.message_requests[1].json["messages"][-1]["content"]
    assert [r.get("is_error") for r in results] == [True, True]
    assert "CronJob" in results[0]["content"] and "unknown tool rm_rf" in results[1]["content"]
    assert [e.summary.startswith("error:") for e in answer.evidence] == [True, True]


def test_rounds_are_capped(scenario: FakeReader, fake: FakeAnthropic, tmp_path: Path) -> None:
    from planner.ops.prompts import MAX_TOOL_ROUNDS

    for i in range(MAX_TOOL_ROUNDS):
        fake.reply([{"type": "tool_use", "id": f"t{i}", "name": "gpus", "input": {"utilisation": False}}])
    answer = ask("loop", OpsContext(), _client(fake, tmp_path).create, model="m", max_tokens=256)
    assert not answer.complete and len(answer.evidence) == MAX_TOOL_ROUNDS
    assert len(fake.message_requests) == MAX_TOOL_ROUNDS


def test_question_is_redacted_before_sending(scenario: FakeReader, fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.reply([{"type": "text", "text": "ok"}], stop_reason="end_turn")
    ask(f"why does HF_TOKEN={CANARY} fail?", OpsContext(), _client(fake, tmp_path).create, model="m", max_tokens=64)
    sent = fake.message_requests[0].body.decode()
    assert CANARY not in sent and "[REDACTED]" in sent
    assert json.loads(sent)["system"][0]["cache_control"] == {"type": "ephemeral"}


def test_anonymize_sends_placeholders_and_restores_names(scenario: FakeReader) -> None:
    """The model sees placeholders only; it asks with a placeholder and answers with one; the user gets names."""
    from types import SimpleNamespace

    from planner.explain.redact import Anonymizer

    sent: list[dict] = []

    def block(**kw: object) -> SimpleNamespace:
        return SimpleNamespace(**kw)

    def create(params: dict) -> SimpleNamespace:
        sent.append(json.loads(json.dumps(params)))
        turn = len(sent)
        if turn == 1:
            return SimpleNamespace(stop_reason="tool_use", content=[
                block(type="tool_use", id="t1", name="pipelines", input={})])
        result = params["messages"][-1]["content"][0]["content"]
        if turn == 2:  # ask again about the stuck run, by its placeholder namespace
            ns = json.loads(result)["runs"][0]["namespace"]
            return SimpleNamespace(stop_reason="tool_use", content=[
                block(type="tool_use", id="t2", name="pipelines", input={"namespace": ns})])
        stuck = json.loads(result)["stuck"][0]
        return SimpleNamespace(stop_reason="end_turn", content=[block(type="text", text=f"{stuck} is stuck.")])

    answer = ask("Is any pipeline stuck?", OpsContext(), create, model="m", max_tokens=256, anonymizer=Anonymizer())
    assert answer.text == "team/stuck-run is stuck."
    assert answer.evidence[1].arguments == {"namespace": "team"}  # the tool ran with the real name
    wire = json.dumps(sent)
    for name in ("stuck-run", "train-pipeline", '"team"', "team/", "fetch-data", "8f1c2d3e-run"):
        assert name not in wire, name
    assert "NAMESPACE_1" in wire and "OOMKilled" in wire
