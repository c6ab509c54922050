"""The user's stackplan.yaml: read, validate against schemas/stack.schema.json, turn into a StackSpec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from planner.errors import InputError
from planner.model import ComponentOverride, Mirror, Model, Origin, StackSpec

if TYPE_CHECKING:
    from pathlib import Path


def load_stack(path: str | Path) -> StackSpec:
    """Load and validate a stack file (`-` reads standard input); errors carry file:line:col."""
    from pathlib import Path

    from planner.load import parse_yaml, read_yaml

    if str(path) == "-":
        import sys

        data, origin = parse_yaml(sys.stdin.read(), "<stdin>")
    else:
        data, origin = read_yaml(Path(path), str(path))
    return stack_from_data(data, origin)


def stack_from_data(data: Any, origin: Origin) -> StackSpec:
    """Validate parsed YAML against schemas/stack.schema.json and build the StackSpec."""
    from planner.load import validate

    if data is None:
        raise InputError("the file is empty", location=origin.locate(""),
                         hint="start with `profile: llm-inference`, "
                              "or write one with `stackplan init --profile <name>`")
    validate(data, "stack", origin)
    return stack_from_dict(data, origin)


def stack_from_dict(data: Mapping[str, Any], origin: Origin | None = None) -> StackSpec:
    mirror = data.get("mirror")
    return StackSpec(
        profile=data["profile"],
        choices=dict(data.get("choices") or {}),
        cluster=dict(data.get("cluster") or {}),
        components={
            cid: ComponentOverride(enabled=c.get("enabled"), values=c.get("values") or {})
            for cid, c in (data.get("components") or {}).items()
        },
        models=tuple(
            Model(
                name=m["name"],
                source=m["source"],
                engine=m.get("engine", "vllm"),
                gpus_per_replica=m.get("gpusPerReplica", 1),
                replicas=m.get("replicas", 1),
                args=tuple(m.get("args", ())),
            )
            for m in data.get("models") or ()
        ),
        mirror=Mirror(mirror.get("charts"), mirror.get("images"), mirror.get("kustomize")) if mirror else None,
        strict=bool(data.get("strict", False)),
        workload_namespace=data.get("workloadNamespace"),
        origin=origin,
    )
