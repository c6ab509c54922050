"""planner.record.Record behaves as the frozen dataclass it replaces (compared against a real one)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Mapping
from typing import ClassVar

import pytest

from planner.model import Release, Source, StackSpec
from planner.record import Record, field


class Point(Record):
    x: int
    y: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)
    kind: ClassVar[str] = "point"


@dataclasses.dataclass(frozen=True)
class DPoint:
    x: int
    y: int = 0
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    kind: ClassVar[str] = "point"


def test_construction_repr_and_fields_match_a_dataclass() -> None:
    for args, kwargs in [((1,), {}), ((1, 2), {}), ((), {"x": 1, "tags": {"a": "b"}}), ((1,), {"y": 3})]:
        r, d = Point(*args, **kwargs), DPoint(*args, **kwargs)
        assert repr(r) == repr(d).replace("DPoint", "Point")
        assert dataclasses.asdict(r) == dataclasses.asdict(d)
    assert [f.name for f in dataclasses.fields(Point)] == [f.name for f in dataclasses.fields(DPoint)]
    assert dataclasses.is_dataclass(Point(1)) and Point.kind == "point" and Point.__match_args__ == ("x", "y", "tags")


def test_bad_arguments_fail_as_a_dataclass_does() -> None:
    for args, kwargs in [((), {}), ((1, 2, {}, 4), {}), ((1,), {"x": 2}), ((1,), {"z": 2})]:
        with pytest.raises(TypeError):
            DPoint(*args, **kwargs)
        with pytest.raises(TypeError):
            Point(*args, **kwargs)


def test_frozen_equal_and_hashed_by_value() -> None:
    p = Point(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.y
    assert p == Point(1, 2) and p != Point(1, 3) and p != DPoint(1, 2)
    assert len({Source("helm", "u", "c"), Source("helm", "u", "c"), Source("oci", "u")}) == 2
    with pytest.raises(TypeError):  # a dict field is unhashable, as in a dataclass
        hash(Point(1, tags={"a": "b"}))


def test_factory_defaults_are_per_instance_and_not_class_attributes() -> None:
    assert Point(1).tags is not Point(2).tags
    assert not hasattr(Point, "tags") and not hasattr(DPoint, "tags")
    assert Point.y == DPoint.y == 0


def test_replace_copy_and_pickle() -> None:
    p = Point(1, tags={"a": "b"})
    assert dataclasses.replace(p, y=7) == Point(1, 7, {"a": "b"})
    assert copy.deepcopy(p) == p and pickle.loads(pickle.dumps(p)) == p
    spec = dataclasses.replace(StackSpec(profile="llm-inference"), strict=True)
    assert spec.strict and spec.profile == "llm-inference"


def test_post_init_runs_on_construction_and_replace() -> None:
    r = Release("kueue", "kueue", "scheduling", Source("helm", "https://x", "kueue"), "0.1.0", "kueue-system",
                (), {}, "sha256:0")
    assert r.install is not None  # filled in by __post_init__
    moved = dataclasses.replace(r, source=Source("local", "/charts"), install=None)
    assert moved.install is not None and moved.install != r.install


def test_a_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default field 'b'"):
        class Bad(Record):
            a: int = 0
            b: int
