"""Planned values vs a release's live config: digests, dotted paths, masking."""

from __future__ import annotations

from planner.drift.values_diff import MASK, diff_values, is_secret_key, values_equal
from planner.values import digest


def test_equal_by_digest_and_by_number_representation():
    planned = {"a": {"b": 2.0, "c": [1.0, "x"]}}
    assert values_equal(planned, {"a": {"b": 2, "c": [1, "x"]}}, digest(planned))
    assert not values_equal(planned, {"a": {"b": 3, "c": [1, "x"]}}, digest(planned))
    assert not values_equal({"a": True}, {"a": 1})
    assert [c.path for c in diff_values({"a": True, "b": 1}, {"a": 1, "b": 1.0})] == ["a"]


def test_differing_keys_are_dotted_paths():
    planned = {"replicaCount": 1, "image": {"tag": "1.0", "repo": "r"}, "gone": {"x": 1}, "list": [1, 2]}
    live = {"replicaCount": 3, "image": {"tag": "1.0", "repo": "r"}, "extra": "e", "list": [1, 2, 3],
            "dotted.key": {"k": 1}}
    changes = {c.path: c for c in diff_values(planned, live)}
    assert set(changes) == {"replicaCount", "gone", "extra", "list", "dotted\\.key"}
    assert (changes["replicaCount"].planned, changes["replicaCount"].live) == ("1", "3")
    assert changes["gone"].change == "removed" and changes["extra"].change == "added"
    assert str(changes["replicaCount"]) == "replicaCount: planned 1, live 3"


def test_secret_like_values_are_masked_at_every_depth():
    planned = {"auth": {"adminPassword": "planned-pw"}, "db": {"url": "u", "apiKey": "k1"},
               "s3": {"accessKey": "AK"}}
    live = {"auth": {"adminPassword": "live-pw"}, "db": {"url": "u", "apiKey": "k2"},
            "s3": {"accessKey": "AK2"}, "newcreds": {"clientSecret": "cs", "name": "visible"}}
    changes = diff_values(planned, live)
    text = "\n".join(map(str, changes))
    for leaked in ("planned-pw", "live-pw", "k1", "k2", "AK", "cs"):
        assert leaked not in text
    assert MASK in text and "visible" in text
    assert {c.path for c in changes} == {"auth.adminPassword", "db.apiKey", "s3.accessKey", "newcreds"}


def test_secret_key_names():
    for key in ("password", "adminPassword", "apiKey", "secretKey", "token", "clientSecret", "key", "basicAuth",
                "private_key", "DATABASE_PASSWORD", "connectionString"):
        assert is_secret_key(key), key
    for key in ("replicaCount", "image", "keyspace", "monkey", "tag", "enabled", "certManager"):
        assert not is_secret_key(key), key


def test_env_style_lists_mask_the_value_of_secret_named_entries():
    planned = {"env": [{"name": "MODE", "value": "fast"}, {"name": "DB_PASSWORD", "value": "s3cr3t-one"}]}
    live = {"env": [{"name": "MODE", "value": "slow"}, {"name": "DB_PASSWORD", "value": "s3cr3t-two"}]}
    (change,) = diff_values(planned, live)
    assert "s3cr3t" not in str(change) and "slow" in str(change)
