"""schemas/report.schema.json describes Report.to_dict() (check and drift): real reports validate, broken ones don't."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from planner.drift.compare import drift_report
from planner.drift.live import LiveFacts
from planner.report import Explanation, Finding, Outcome, Report, Subject
from tests.unit.drift_fixtures import plan, rec, release

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def _drift() -> dict:
    live = LiveFacts(releases={("ml", "a"): rec("a", config={"x": 1}), ("ml", "stray"): rec("stray")},
                     unread={"crds": "forbidden"})
    meta = {"profile": "test", "stackFile": None, "apiRequests": 7, "generatedAt": "2026-11-27T07:30:00Z"}
    return drift_report(plan(release("a", crds=("w.example.com",)), release("b")), live, meta=meta).to_dict()


def test_drift_and_check_reports_validate():
    VALIDATOR.validate(_drift())
    explained = Finding("HC001", "Pods are ready", Outcome.FAILED, Subject("Pod", "p", "ns"), "not ready",
                        explanation=Explanation("s", "c", "f", ("kubectl get pods",), "knowledge-base:x"))
    VALIDATOR.validate(Report("check", (explained,), ("[HC002] timeout",)).to_dict())


@pytest.mark.parametrize("breakage", [
    lambda d: d["findings"][0].update(outcome="BROKEN"),
    lambda d: d["findings"][0].update(checkId="X1"),
    lambda d: d["findings"][0].pop("evidence"),
    lambda d: d["summary"].pop("UNKNOWN"),
    lambda d: d.update(reportKind="other"),
    lambda d: d["meta"].update(apiRequests="many"),
])
def test_broken_reports_do_not_validate(breakage):
    doc = _drift()
    breakage(doc)
    assert not VALIDATOR.is_valid(doc)
