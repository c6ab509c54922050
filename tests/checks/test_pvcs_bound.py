"""HC007 PVCs bound (Kubeflow Pipelines needs a default StorageClass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kubeflow-pipelines")


@pytest.mark.parametrize("path", fixtures("pvcs_bound"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC007", load(path), PLAN), path)


def test_pending_claim_carries_the_binding_event() -> None:
    findings = run("HC007", load(FIXTURES / "pvcs_bound" / "no-default-storageclass-2FAILED.yaml"), PLAN)
    mysql = next(f for f in findings if f.subject.name == "mysql-pv-claim")
    assert any("no storage class is set" in e for e in mysql.evidence)
    assert "storageClassName=None" in mysql.evidence[0]
