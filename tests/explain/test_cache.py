"""The explanation cache: misses instead of errors, private files, atomic writes."""

from __future__ import annotations

from pathlib import Path

from planner.explain.cache import ExplanationCache, cache_key


def test_round_trip_and_file_mode(tmp_path: Path) -> None:
    cache = ExplanationCache(tmp_path / "c")
    key = cache_key("m", {"check": "HC001"})
    assert cache.get(key) is None
    cache.put(key, {"summary": "s"})
    assert cache.get(key) == {"summary": "s"}
    [path] = list((tmp_path / "c").rglob("*.json"))
    assert path.parent.name == key[:2] and oct(path.stat().st_mode)[-3:] == "600"
    assert not list((tmp_path / "c").rglob(".tmp-*"))


def test_corrupt_or_foreign_entries_are_misses(tmp_path: Path) -> None:
    cache = ExplanationCache(tmp_path)
    key = cache_key("m", {})
    (tmp_path / key[:2]).mkdir()
    (tmp_path / key[:2] / f"{key}.json").write_text("{not json")
    assert cache.get(key) is None
    (tmp_path / key[:2] / f"{key}.json").write_text("[1, 2]")
    assert cache.get(key) is None


def test_an_unwritable_cache_costs_only_a_request(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = ExplanationCache(blocker / "sub")  # a path under a regular file cannot be created
    cache.put("ab" * 32, {"summary": "s"})
    assert cache.get("ab" * 32) is None
    assert ExplanationCache(None).get("x") is None
