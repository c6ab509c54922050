"""What a plan expects to exist before install, which stackplan does not create: Secrets, buckets, a StorageClass.

Blueprints declare them (`prerequisites:` in blueprints/<id>.yaml, schema in schemas/blueprint.schema.json,
each with its upstream source); the resolver turns them into `Plan.prerequisites` for the releases in the
plan; `stackplan plan` shows them ("Before you install", and `prerequisites` in JSON), `stackplan init`
writes them into stackplan.yaml as comments, and `stackplan validate` refuses a plan in which one that
the user must name is not named (`unset`).

The interface for readers of a plan (e.g. a preflight check against the cluster) is `Prerequisite`:
- `kind`: `Secret` | `Bucket` | `Database` | `StorageClass`;
- `name`: the object's name; None only for a StorageClass (then: the cluster's *default* StorageClass must
  exist) or when `unset` (the user has not named it yet);
- `namespace`: a Secret's namespace (None for cluster-scoped kinds and buckets);
- `keys`: the keys a Secret must hold — names only, never data;
- `component`: the release that needs it; `why`, `source` (upstream file@version or doc), `fix` (how to
  create it or name it); `setting`: the stack-file path that names it, where the user can change the name;
- `created_by`: Pulumi secret-config keys with which the generated Pulumi program creates it itself.
Nothing here reads the cluster or any Secret's data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from planner.errors import InputError, Location
from planner.record import Record

KINDS = ("Secret", "Bucket", "Database", "StorageClass")


class Prerequisite(Record):
    """One thing that must exist before install (see the module docstring for the contract)."""

    kind: str
    name: str | None
    namespace: str | None
    keys: tuple[str, ...]
    component: str
    why: str
    source: str
    fix: str
    setting: str | None = None
    required: bool = False  # the user must name it: there is no default that could be right
    created_by: tuple[str, ...] = ()

    @property
    def unset(self) -> bool:
        """A name only the user can give, not given yet (`stackplan validate` fails on it)."""
        return self.required and not self.name

    def label(self) -> str:
        """`Secret mlflow/mlflow-s3`, `Bucket (unset)`, `StorageClass (cluster default)`."""
        if self.unset:
            return f"{self.kind} (not named yet)"
        if self.name is None:
            return f"{self.kind} (the cluster's default)"
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace, "keys": list(self.keys),
                "component": self.component, "why": self.why, "source": self.source, "fix": self.fix,
                "setting": self.setting, "required": self.required, "unset": self.unset,
                "createdBy": list(self.created_by)}


def _ref(spec: Any, values: Mapping[str, Any], facts: Mapping[str, Any]) -> Any:
    """A literal, `{value: <path in the release's values>, default: …}` or `{fact: <cluster fact>}`."""
    from planner.values import get_path

    if isinstance(spec, Mapping) and "value" in spec:
        found = get_path(values, str(spec["value"]))
        return spec.get("default") if found in (None, "") else found
    if isinstance(spec, Mapping) and "fact" in spec:
        return facts.get(str(spec["fact"]))
    return spec


def _fill(fix: str, name: Any, namespace: str | None, keys: Sequence[str]) -> str:
    """`$name`, `$namespace`, `$key1`… in a blueprint's fix text, from the resolved prerequisite."""
    for i, key in reversed(list(enumerate(keys, 1))):
        fix = fix.replace(f"$key{i}", key)
    return fix.replace("$namespace", namespace or "").replace("$name", str(name or "<name>"))


def _setting(component: str, spec: Any) -> str | None:
    if isinstance(spec, Mapping) and "value" in spec:
        return f"components.{component}.values.{spec['value']}"
    if isinstance(spec, Mapping) and "fact" in spec:
        return str(spec["fact"])
    return None


def for_release(component: str, namespace: str, specs: Iterable[Mapping[str, Any]], values: Mapping[str, Any],
                facts: Mapping[str, Any], model_sources: Sequence[str],
                holds: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]) -> list[Prerequisite]:
    """The prerequisites of one release whose conditions hold.

    `when` keys are the resolver's facts (`cluster.*`, `components.*`, `choices.*`) or `values.<path>` (the
    release's resolved values); `models` lists source schemes (`hf`): the prerequisite applies only when the
    stack file serves a model from one of them. `holds` is the resolver's condition check.
    """
    from planner.values import get_path

    out = []
    for spec in specs:
        when = dict(spec.get("when") or {})
        scoped = {**facts, **{k: get_path(values, k.removeprefix("values.")) for k in when if k.startswith("values.")}}
        if when and not holds(when, scoped):
            continue
        schemes = spec.get("models")
        if schemes and not any(s.split("://", 1)[0] in schemes for s in model_sources):
            continue
        name = _ref(spec.get("name"), values, facts)
        kind = str(spec["kind"])
        ns = str(_ref(spec.get("namespace"), values, facts) or namespace) if kind == "Secret" else None
        keys = tuple(str(_ref(k, values, facts)) for k in spec.get("keys") or ())
        out.append(Prerequisite(
            kind=kind,
            name=str(name) if name not in (None, "") else None,
            namespace=ns,
            keys=keys,
            component=component,
            why=str(spec["why"]),
            source=str(spec["source"]),
            fix=_fill(str(spec["fix"]), name, ns, keys),
            setting=_setting(component, spec.get("name")),
            required=bool(spec.get("required", False)),
            created_by=tuple(spec.get("createdBy") or ()),
        ))
    return out


def for_plan(releases: Iterable[Any], catalog: Any, facts: Mapping[str, Any], model_sources: Sequence[str],
             holds: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]) -> tuple[Prerequisite, ...]:
    """Every release's prerequisites (releases in install order), from its blueprint's declarations."""
    return tuple(p for r in releases for p in for_release(
        r.id, r.namespace, catalog.blueprints[r.component].prerequisites, r.values, facts, model_sources, holds))


def _pointer(setting: str) -> str:
    return "/" + setting.replace(".", "/")


def _set_flag(setting: str) -> str | None:
    """`components.mlflow.values.a.b` -> `mlflow.a.b`, the `--set` form of a component value (None otherwise)."""
    parts = setting.split(".")
    if len(parts) > 3 and parts[0] == "components" and parts[2] == "values":
        return ".".join([parts[1], *parts[3:]])
    return None


def unset_errors(prerequisites: Iterable[Prerequisite], locate: Callable[[str], Location | None]) -> list[InputError]:
    """One error per prerequisite the user must name and has not; `locate(json_pointer)` gives file:line."""
    errors = []
    for p in prerequisites:
        if not p.unset:
            continue
        setting = p.setting or p.component
        hint = p.fix
        flag = _set_flag(setting)
        if flag:
            hint += f"; without a stack file, pass `--set {flag}=<name>`"
        errors.append(InputError(
            f"`{p.component}` needs a {p.kind} that only you can name ({p.why}); {setting} is not set",
            hint=hint, location=locate(_pointer(setting))))
    return errors


def describe(p: Prerequisite) -> tuple[str, str]:
    """(what, fix) for people: `Secret mlflow/mlflow-s3 (keys A, B): why` and how to create or name it."""
    keys = f" (keys {', '.join(p.keys)})" if p.keys else ""
    what = f"{p.label()}{keys}: {p.why}"
    if p.unset:
        what = f"REQUIRED, set {p.setting}. {what}"
    return what, p.fix


def section(prerequisites: Sequence[Prerequisite]) -> list[str]:
    """The "Before you install" lines of `stackplan plan` and `stackplan apply` (empty when there are none)."""
    if not prerequisites:
        return []
    lines = ["Before you install (stackplan creates none of these; `stackplan validate` checks the names):"]
    for p in prerequisites:
        what, fix = describe(p)
        lines.append(f"  {p.component}: {what}")
        lines.append(f"    fix: {fix}")
    return lines


def require_named(prerequisites: Iterable[Prerequisite], origin: Any = None) -> None:
    """Raise (exit 2) when a name only the user can give is missing; `origin` (the stack file's Origin) gives
    file:line. `stackplan validate` calls it; so should anything about to install the plan."""
    from planner.errors import MultipleErrors

    errors = unset_errors(prerequisites, lambda ptr: origin.locate(ptr) if origin is not None else None)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(list(errors))
