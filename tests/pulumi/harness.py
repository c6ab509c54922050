"""Pulumi mocks that record every registration as the engine would receive it (type, name, inputs,
dependencies, which inputs are secret), plus small Plan builders for hand-made plans."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import rpc

from tests.pulumi.plans import plan_of, release  # noqa: F401  (re-exported for the tests)

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi wire format: the signature key of special values
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"  # ...and the signature of a secret


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    raw_inputs: dict[str, Any]  # deserialized; secret properties still wrapped
    wire: Any  # the inputs as serialized on the wire
    dependencies: list[str]
    parent: str

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs with secret wrappers removed (assert on secrecy with `secret_values(wire)`)."""
        return unwrap(self.raw_inputs)


def unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            return unwrap(value.get("value"))
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@dataclass
class Recorder:
    """What the program registered, in order; helpers to query it."""

    items: list[Registration] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.items if r.type == typ]

    def named(self, typ: str, name: str) -> Registration:
        found = [r for r in self.items if r.type == typ and r.name == name]
        assert len(found) == 1, f"{len(found)} registrations of {typ} {name}: {[r.name for r in self.of_type(typ)]}"
        return found[0]

    def by_urn(self, urn: str) -> Registration | None:
        return next((r for r in self.items if r.urn == urn), None)

    def kustomize_children(self) -> list[Registration]:
        dirs = {r.urn for r in self.of_type("kubernetes:kustomize:Directory")}
        return [r for r in self.items if r.parent in dirs]

    def top_level(self, typ: str) -> list[Registration]:
        return [r for r in self.of_type(typ) if self.by_urn(r.parent) is None]

    def releases(self) -> dict[str, Registration]:
        return {r.name: r for r in self.of_type("kubernetes:helm.sh/v3:Release")}

    def release_deps(self, reg: Registration) -> set[str]:
        """The releases (Helm Release names, or kustomize components of a child) a registration depends on."""
        out = set()
        for urn in reg.dependencies:
            dep = self.by_urn(urn)
            if dep is None:
                continue
            if dep.type == "kubernetes:helm.sh/v3:Release":
                out.add(dep.name)
            elif dep.parent:
                parent = self.by_urn(dep.parent)
                if parent is not None and parent.type == "kubernetes:kustomize:Directory":
                    out.add(parent.name.removesuffix("-crds").removesuffix("-manifests"))
        return out


class Mocks(pulumi.runtime.Mocks):
    """Echo inputs as outputs; kustomize directories render to the manifests given per directory URL."""

    def __init__(self, kustomize: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
        self.kustomize = kustomize or {}
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}_id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.invokes.append((args.token, dict(args.args)))
        if args.token == "kubernetes:kustomize:directory":
            directory = args.args["directory"]
            return {"result": json.loads(json.dumps(self.kustomize.get(directory, [])))}
        return {}


class RecordingMonitor(pmocks.MockMonitor):
    def __init__(self, mocks: Mocks, recorder: Recorder) -> None:
        super().__init__(mocks)
        self.recorder = recorder

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.recorder.items.append(Registration(
                type=request.type, name=request.name, urn=response.urn,
                raw_inputs=rpc.deserialize_properties(request.object),
                wire=json_format.MessageToDict(request.object),
                dependencies=list(request.dependencies), parent=request.parent,
            ))
        return response


def _ensure_event_loop() -> None:
    """Pulumi's mocks use the thread's current event loop; an earlier asyncio.run() (apply, explain tests)
    leaves none set, which makes asyncio.get_event_loop() raise in the main thread."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def install_mocks(kustomize: Mapping[str, list[dict[str, Any]]] | None = None,
                  preview: bool = False) -> tuple[Mocks, Recorder]:
    _ensure_event_loop()
    recorder = Recorder()
    mocks = Mocks(kustomize)
    pulumi.runtime.set_mocks(mocks, project="stackplan-test", stack="test", preview=preview,
                             monitor=RecordingMonitor(mocks, recorder))
    return mocks, recorder


def run(fn: Callable[[], Any]) -> None:
    """Run a program function under the installed mocks and wait for every registration."""

    @pulumi.runtime.test
    def _program() -> Any:
        fn()
        return pulumi.Output.from_input(True)

    _program()


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def secret_values(wire: Any) -> set[str]:
    """Every string inside a secret wrapper of a serialized input object."""
    return {leaf for node in walk(wire) if isinstance(node, dict) and node.get(SECRET_SIG) == SECRET_VALUE
            for leaf in walk(node.get("value")) if isinstance(leaf, str)}


def unwrapped_strings(wire: Any) -> list[str]:
    """Every string in the serialized inputs that is NOT inside a secret wrapper."""
    out: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get(SECRET_SIG) == SECRET_VALUE:
                return
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)
        elif isinstance(node, str):
            out.append(node)

    visit(wire)
    return out
