"""HC090 (helm_releases): release status from Helm's labels, metadata only — never a Secret's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.causes import link
from planner.checks.runner import run_checks
from tests.checks.harness import FIXTURES, NOW, FakeReader, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kserve")
CANARY = "Q0FOQVJZLWhlbG0tZGF0YQ=="


@pytest.mark.parametrize("path", fixtures("helm_releases"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC090", load(path), PLAN), path)


def test_the_newest_revision_decides_by_number_not_by_text() -> None:
    [f] = run("HC090", load(FIXTURES / "helm_releases" / "kserve-deployed-1PASSED.yaml"), PLAN)
    assert f.fact("version") == "10" and f.fact("status") == "deployed"  # v10 > v2, though "10" < "2"


def test_a_failed_release_is_the_cause_of_its_components_problems_and_no_data_is_kept() -> None:
    objects = load(FIXTURES / "helm_releases" / "kserve-failed-upgrade-1FAILED.yaml")
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "inferenceservices.serving.kserve.io"},
           "status": {"conditions": [{"type": "Established", "status": "True"}]}}
    reader = FakeReader([*objects, crd])  # the CRD exists, the controller's Deployment does not: half-installed
    report = run_checks(PLAN, reader, now=NOW)
    (cause,) = report.causes
    assert cause.rule == "RC002" and cause.root == "HC090:Release/kserve/kserve"
    assert "HC002:Deployment/kserve/kserve-controller-manager" in cause.members
    assert CANARY not in json.dumps(report.to_dict())
    assert link(report.findings) == report.causes
