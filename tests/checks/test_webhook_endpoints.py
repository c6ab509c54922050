"""HC003 webhooks served: no ready endpoints (failurePolicy Fail is critical), configuration missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.report import Outcome, Severity
from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kueue")


@pytest.mark.parametrize("path", fixtures("webhook_endpoints"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC003", load(path), PLAN), path)


def test_no_endpoints_with_fail_policy_is_critical() -> None:
    findings = run("HC003", load(FIXTURES / "webhook_endpoints" / "no-ready-endpoints-2FAILED.yaml"), PLAN)
    assert {f.severity for f in findings} == {Severity.CRITICAL}
    assert all("no ready endpoints" in f.message and "failurePolicy=Fail" in f.message for f in findings)


def test_ignore_policy_is_medium_and_missing_service() -> None:
    objs = [o for o in load(FIXTURES / "webhook_endpoints" / "served-2PASSED.yaml")
            if o["kind"] not in ("Service", "EndpointSlice")]
    for o in objs:
        for hook in o["webhooks"]:
            hook["failurePolicy"] = "Ignore"
    findings = run("HC003", objs, PLAN)
    assert [f.outcome for f in findings] == [Outcome.FAILED, Outcome.FAILED]
    assert {f.severity for f in findings} == {Severity.MEDIUM}
    assert all("does not exist" in f.message for f in findings)
