"""Test configuration shared by every tier. Cluster fixtures live in tests/fixtures_cluster.py."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fixtures_cluster"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test session writes caches (catalog, explanations) under a temp dir, never ~/.cache."""
    if "STACKPLAN_TEST_REAL_CACHE" not in os.environ:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


# `stackplan init` refuses a requirement that only installs on this machine, and derives the portable one
# from the source checkout's git remote — which a test machine may not have. Tests that call init get this
# one (from the environment, as STACKPLAN_REQUIREMENT is documented); tests of the derivation delete it.
TEST_REQUIREMENT = "stackplan @ git+https://example.invalid/tests/stackplan@0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _init_requirement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKPLAN_REQUIREMENT", TEST_REQUIREMENT)
