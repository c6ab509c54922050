"""Frozen value classes without `dataclasses`' import-time cost.

`@dataclass(frozen=True)` compiles five or six functions per class with `exec` when the class is defined:
about 0.4 ms a class, 10 ms for the model `stackplan plan` imports. A `Record` subclass is declared like a
frozen dataclass (annotated fields, defaults, `field(default_factory=...)`) and behaves like one: keyword or
positional construction, `__post_init__`, `dataclasses.FrozenInstanceError` on assignment, equality and
hashing by field values, the same repr; `dataclasses.replace`, `fields`, `asdict` and `is_dataclass` work on
it. Nothing is compiled at import: one shared `__init__` reads the field list `__init_subclass__` collected.
Type checkers see dataclass semantics through `dataclass_transform`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is built per instance (as `dataclasses.field(default_factory=...)`)."""
    return _Factory(default_factory)


_MISSING = object()


class _DataclassFields:
    """`__dataclass_fields__`, built on first use from a frozen dataclass with the same fields, so that the
    `dataclasses` functions accept a Record (their `exec` cost is paid only where they are used)."""

    def __get__(self, obj: object, cls: type[Record]) -> dict[str, Any]:
        import dataclasses

        annotations: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            annotations.update(getattr(klass, "__annotations__", {}))  # own only (Python >= 3.10)
        namespace: dict[str, Any] = {"__module__": cls.__module__,
                                     "__annotations__": {name: annotations[name] for name in cls._fields}}
        for name, default in cls._defaults.items():
            namespace[name] = (dataclasses.field(default_factory=default.make) if isinstance(default, _Factory)
                               else default)
        twin = dataclasses.dataclass(frozen=True)(type(cls.__name__, (), namespace))
        found: dict[str, Any] = twin.__dataclass_fields__
        type.__setattr__(cls, "__dataclass_fields__", found)  # cached on this class
        return found


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of a frozen value class: its fields are its annotations, in order, after its bases' fields."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}  # field -> default value, or _Factory
    __dataclass_fields__: ClassVar[Any] = _DataclassFields()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        for name, annotation in cls.__annotations__.items():  # own only (Python >= 3.10)
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _Factory):
                    delattr(cls, name)  # as dataclasses: no class attribute for a factory default
            elif defaults:
                raise TypeError(f"{cls.__name__}: non-default field {name!r} follows a default field")
        cls._fields = tuple(fields)
        cls._defaults = defaults
        cls.__match_args__ = cls._fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} positional arguments but {len(args)} "
                            "were given")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        if len(values) < len(fields):
            defaults = self._defaults
            for name in fields:
                if name not in values:
                    default = defaults.get(name, _MISSING)
                    if default is _MISSING:
                        raise TypeError(f"{type(self).__name__}() missing required argument: {name!r}")
                    values[name] = default.make() if isinstance(default, _Factory) else default
        if len(values) > len(fields):
            unknown = next(name for name in values if name not in fields)
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {unknown!r}")
        self.__dict__.update(values)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: Any) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        d = self.__dict__
        return tuple(d[name] for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        d = self.__dict__
        return f"{type(self).__qualname__}({', '.join(f'{name}={d[name]!r}' for name in self._fields)})"
