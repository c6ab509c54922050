"""Drift's own output: junit with one test case per component, notes in table and github output."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from planner.drift.compare import drift_report
from planner.drift.live import LiveFacts
from planner.drift.render import render
from tests.unit.drift_fixtures import plan, rec, release

P = plan(release("a"), release("b"))
LIVE = LiveFacts(releases={("ml", "a"): rec("a"), ("ml", "b"): rec("b", status="failed"),
                           ("ml", "stray"): rec("stray")})


def test_junit_has_one_case_per_component_and_per_unmanaged_release():
    root = ET.fromstring(render(drift_report(P, LIVE), "junit"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"a", "b", "HelmRelease/ml/stray"}
    assert cases["a"].find("failure") is None
    failure = cases["b"].find("failure")
    assert failure is not None and failure.get("message").startswith("DR004 revision 1 is failed")
    assert "PASSED DR002" in failure.text  # the case lists every check of the component


def test_notes_are_shown_in_table_and_github_output():
    report = drift_report(P, LIVE)
    assert "note: HelmRelease/ml/stray: Helm release stray" in render(report, "table")
    gh = render(report, "github")
    assert "::notice title=DR007 unmanaged component::HelmRelease/ml/stray" in gh
    assert gh.count("::error") == 1
