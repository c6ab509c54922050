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
