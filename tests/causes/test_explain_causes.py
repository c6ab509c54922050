"""`explain` explains causes, not every member: one explanation (and, with a model, one request) per cause.

The model is the real `anthropic` SDK against the local fake Messages API (tests/explain/fake_anthropic.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.causes import link
from planner.explain import explain_report
from planner.explain.config import ExplainConfig
from planner.report import Report
from tests.causes.test_rules import f, gpu_driver_broken
from tests.explain.fake_anthropic import FakeAnthropic


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def broken_report(*, only_the_driver: bool = False) -> Report:
    findings = gpu_driver_broken()
    if only_the_driver:  # a stack broken in one place: drop the unrelated pending pod and operator Deployment
        findings = [x for x in findings if x.subject.name not in ("web-0", "gpu-operator")]
    return Report("check", tuple(findings), causes=link(findings))


def test_one_request_per_cause_and_the_model_is_asked_to_confirm_the_link(fake: FakeAnthropic, tmp_path: Path):
    cfg = ExplainConfig(api_key="sk-ant-test-0123456789abcdefghij", base_url=fake.base_url,
                        cache_dir=tmp_path / "cache", timeout=5.0, max_retries=0, backoff=0.01)
    report = broken_report(only_the_driver=True)
    problems = [x for x in report.findings if x.is_problem]
    out = explain_report(report, config=cfg, echo=lambda m: None)
    assert len(fake.message_requests) == 1  # 7 problems, one cause: one request
    body = json.loads(fake.message_requests[0].body)
    user = body["messages"][0]["content"]
    sent = [json.loads(line) for line in user.splitlines()[1:]]
    (root,) = sent  # the cause's root only
    assert root["subject"] == "Pod/gpu-operator/nvidia-driver-daemonset-a"
    assert root["evidence"][0].startswith("linked by rule RC004 (high confidence)")
    assert any(e.startswith("explains HC012 Node/gpu-1") for e in root["evidence"])
    assert "confirm the link" in body["system"][0]["text"]
    (cause,) = out.causes
    assert cause.explanation is not None and cause.explanation.source.startswith("model:")
    members = set(cause.members)
    by_id = out.by_id()
    assert all(by_id[m].explanation is None for m in members)  # members are explained by their cause
    assert by_id[cause.root].explanation == cause.explanation
    assert out.meta["explain"]["explainedByCause"] == len(members) == len(problems) - 1


def test_offline_explains_each_cause_once_and_says_what_it_links():
    out = explain_report(broken_report(), offline=True, echo=lambda m: None)
    (cause,) = out.causes
    assert cause.explanation is not None and cause.explanation.source.startswith("knowledge-base:")
    assert "Rule RC004 links 7 other finding(s)" in cause.explanation.cause
    explained = [x for x in out.findings if x.explanation is not None]
    assert len(explained) == 3  # the root, the unlinked pod and the operator Deployment


def test_anonymize_hides_member_names_in_the_cause_sent(fake: FakeAnthropic, tmp_path: Path):
    cfg = ExplainConfig(api_key="sk-ant-test-0123456789abcdefghij", base_url=fake.base_url,
                        cache_dir=None, timeout=5.0, max_retries=0, backoff=0.01)
    findings = [f("HC020", "ClusterQueue", "team-secret-cq", component="kueue"),
                f("HC023", "Workload", "job-private-1", "team-private", component="kueue",
                  clusterQueue="team-secret-cq")]
    report = Report("check", tuple(findings), causes=link(findings))
    explain_report(report, config=cfg, anonymize=True, echo=lambda m: None)
    sent = fake.message_requests[0].body.decode()
    for name in ("team-secret-cq", "job-private-1", "team-private"):
        assert name not in sent
