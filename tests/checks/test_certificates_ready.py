"""HC041 (certificates_ready): sourced fixtures in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.harness import FIXTURES, assert_expected, fixtures, load, make_plan, run

PLAN = make_plan("kserve")


@pytest.mark.parametrize("path", fixtures("certificates_ready"))
def test_fixture(path: Path) -> None:
    assert_expected(run("HC041", load(path), PLAN), path)


def test_applies_to_cert_manager_alone_too() -> None:
    path = FIXTURES / "certificates_ready" / "issuer-missing-FAILED.yaml"
    [f] = run("HC041", load(path), make_plan("cert-manager"))
    assert f.outcome.value == "FAILED" and "selfsigned-issuer" in f.evidence[1]
