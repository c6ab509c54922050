"""The shipped catalog: blueprints/ and stacks/, loaded once and cached by content digest.

The first run after a catalog change parses the YAML, validates it against schemas/ and checks it
(needs, conflicts, cycles, profile references); later runs read one JSON cache file instead, so
planning commands import neither ruamel.yaml nor jsonschema for the catalog.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.cachefile import write_cache_file
from planner.data import data_dir, data_root
from planner.errors import InputError, Location, PlanError
from planner.model import (
    Blueprint,
    Catalog,
    Choice,
    Gate,
    Option,
    Profile,
    Render,
    Rule,
    Source,
    Substitution,
    Workload,
)
from planner.values import sha256

if TYPE_CHECKING:
    from pathlib import Path


def catalog_root() -> Path:
    """The catalog directory: $STACKPLAN_CATALOG_DIR (a folder with blueprints/ and stacks/) or the shipped one.
    Read on every call (never cached): tests and long-lived processes (`stackplan mcp`) may change it."""
    from pathlib import Path

    return Path(_catalog_dir())


def _catalog_dir() -> str:
    return os.environ.get("STACKPLAN_CATALOG_DIR") or data_dir()


def cache_dir() -> Path:
    from pathlib import Path

    return Path(_cache_dir())


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "stackplan")


def _listed(directory: str, suffix: str) -> list[str]:
    """`sorted(Path(directory).glob("*" + suffix))` as strings, without importing pathlib."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(os.path.join(directory, n) for n in names if n.endswith(suffix))


def _catalog_files(root: str) -> tuple[list[str], list[str]]:
    blueprints = _listed(os.path.join(root, "blueprints"), ".yaml")
    stacks = _listed(os.path.join(root, "stacks"), ".yaml")
    if not blueprints:
        from pathlib import Path

        raise InputError(f"no blueprints found in {Path(root) / 'blueprints'}",
                         hint="set STACKPLAN_CATALOG_DIR to a folder with blueprints/ and stacks/, or reinstall")
    return blueprints, stacks


def _digest(files: list[str]) -> str:
    h = sha256(__version__.encode())
    for schema in _listed(os.path.join(data_dir(), "schemas"), ".json"):
        with open(schema, "rb") as fh:
            h.update(fh.read())
    for f in files:
        h.update(f"{os.path.basename(os.path.dirname(f))}/{os.path.basename(f)}\0".encode())
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:32]


def load_catalog(root: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Catalog:
    """The catalog under `root` (default: catalog_root()), validated; cached by content digest."""
    root_dir = os.fspath(root) if root is not None else _catalog_dir()
    blueprint_files, stack_files = _catalog_files(root_dir)
    key = _digest(blueprint_files + stack_files)
    cached = os.path.join(_cache_dir(), f"catalog-{key}.json")
    raw: dict[str, Any] | None = None
    if use_cache:
        try:
            with open(cached, encoding="utf-8") as fh:
                raw = json.loads(fh.read())
        except (OSError, ValueError):
            raw = None
    if raw is None:
        raw = _read_and_validate(root_dir, blueprint_files, stack_files)
        if use_cache:
            write_cache_file(cached, json.dumps(raw))  # key order kept: cached and fresh reads agree
    return _build(raw)


def _read_and_validate(root_dir: str, blueprint_files: list[str], stack_files: list[str]) -> dict[str, Any]:
    from pathlib import Path

    from planner.load import read_yaml, validate

    root = Path(root_dir)
    out: dict[str, Any] = {"blueprints": {}, "profiles": {}}
    for f in map(Path, blueprint_files):
        display = f"{f.parent.name}/{f.name}" if root == data_root() else str(f)
        data, origin = read_yaml(f, display)
        validate(data, "blueprint", origin)
        data["file"] = display
        out["blueprints"][f.stem] = data
    for f in map(Path, stack_files):
        display = f"{f.parent.name}/{f.name}" if root == data_root() else str(f)
        data, origin = read_yaml(f, display)
        validate(data, "profile", origin)
        data["file"] = display
        out["profiles"][f.stem] = data
    check_catalog(_build(out))
    return out


def _build(raw: Mapping[str, Any]) -> Catalog:
    blueprints = {bid: blueprint_from_dict(bid, d) for bid, d in raw["blueprints"].items()}
    profiles = {name: profile_from_dict(name, d) for name, d in raw["profiles"].items()}
    return Catalog(blueprints=blueprints, profiles=profiles)


def blueprint_from_dict(bid: str, d: Mapping[str, Any]) -> Blueprint:
    src = d["source"]
    if src["kind"] == "helm":
        source = Source("helm", src["repo"], chart=src["chart"])
    elif src["kind"] == "oci":
        source = Source("oci", src["url"], chart=src["chart"])
    else:
        source = Source("kustomize", src["url"], ref=src["ref"])
    kube = d.get("kubernetes") or {}
    return Blueprint(
        id=bid,
        description=d["description"],
        layer=d["layer"],
        source=source,
        version=d["version"],
        namespace=d["namespace"],
        needs=tuple(d.get("needs", ())),
        conflicts=tuple(d.get("conflicts", ())),
        kube_min=kube.get("min"),
        kube_max=kube.get("max"),
        values=d.get("values") or {},
        known_values=tuple(d.get("knownValues", ())),
        rules=tuple(Rule(r["when"], r["set"], r.get("note")) for r in d.get("rules", ())),
        mirror_values=d.get("mirrorValues") or {},
        mirror_notes=d.get("mirrorNotes") or {},
        runtime_fetches=tuple(dict(f) for f in d.get("runtimeFetches") or ()),
        probe_with=d.get("probeWith") or {},
        namespace_labels=d.get("namespaceLabels") or {},
        crds=tuple(d.get("crds", ())),
        crd_versions=d.get("crdVersions") or {},
        workloads=tuple(Workload(w["kind"], w["name"], w.get("namespace"), w.get("optional", False),
                                 w.get("createdBy", "chart"), w.get("enabledBy"), w.get("replicas"))
                        for w in d.get("workloads", ())),
        webhooks=tuple(w if isinstance(w, str) else w["name"] for w in d.get("webhooks", ())),
        webhook_conditions={w["name"]: w["enabledBy"] for w in d.get("webhooks", ())
                            if not isinstance(w, str) and "enabledBy" in w},
        webhook_creators={w["name"]: w["createdBy"] for w in d.get("webhooks", ())
                          if not isinstance(w, str) and "createdBy" in w},
        renders=tuple(Render(r["when"], r["kind"], r["crd"], r["source"]) for r in d.get("renders", ())),
        admission=tuple(Gate(tuple(g["webhooks"]), tuple(g["kinds"]), g["source"],
                             tuple(g.get("excludeNamespaces", ())), g.get("when") or {})
                        for g in d.get("admission", ())),
        images=tuple(i if isinstance(i, str) else i["image"] for i in d.get("images", ())),
        image_conditions={i["image"]: i["enabledBy"] for i in d.get("images", ())
                          if not isinstance(i, str) and i.get("enabledBy")},
        health=tuple(d.get("health", ())),
        serves=tuple(d.get("serves", ())),
        prerequisites=tuple(d.get("prerequisites", ())),
        sources=tuple(d.get("sources", ())),
        unconfirmed=tuple(d.get("unconfirmed", ())),
        file=d.get("file", f"blueprints/{bid}.yaml"),
        upgrades=tuple(d.get("upgrades", ())),
        upgrades_unconfirmed=tuple(d.get("upgradesUnconfirmed", ())),
    )


def profile_from_dict(name: str, d: Mapping[str, Any]) -> Profile:
    choices = {
        cname: Choice(
            name=cname,
            description=c["description"],
            default=c["default"],
            options={
                oname: Option(oname, o["description"], tuple(o.get("components", ())), o.get("values") or {})
                for oname, o in c["options"].items()
            },
        )
        for cname, c in (d.get("choices") or {}).items()
    }
    subs = tuple(Substitution(s["when"], s["replace"], s["with"], s["note"]) for s in d.get("substitutions", ()))
    return Profile(
        name=name,
        description=d["description"],
        components=tuple(d["components"]),
        choices=choices,
        values=d.get("values") or {},
        substitutions=subs,
        file=d.get("file", f"stacks/{name}.yaml"),
    )


def check_catalog(catalog: Catalog) -> None:
    """Semantic checks the schema cannot express: every reference resolves, no cycles."""
    ids = catalog.blueprints
    for bp in ids.values():
        for ref, field in [(n, "needs") for n in bp.needs] + [(c, "conflicts") for c in bp.conflicts]:
            if ref not in ids:
                raise PlanError(f"component `{bp.id}` {field} `{ref}`, which no blueprint defines",
                                hint=f"typo in `{field}`? known components: {', '.join(sorted(ids))}",
                                location=Location(bp.file, pointer=f"/{field}"))
        for name in bp.crd_versions:
            if name not in bp.crds:
                raise PlanError(f"component `{bp.id}`: crdVersions names `{name}`, which is not in its crds",
                                location=Location(bp.file, pointer="/crdVersions"))
        for bad in (name for name in bp.needs if name in bp.conflicts):
            raise PlanError(f"component `{bp.id}` both needs and conflicts with `{bad}`",
                            location=Location(bp.file, pointer="/conflicts"))
    from planner.upgrade.facts import check_facts

    check_facts(catalog)
    cycle = find_cycle({b.id: b.needs for b in ids.values()})
    if cycle:
        first = ids[cycle[0]]
        raise PlanError("dependency cycle in blueprints: " + " -> ".join(cycle),
                        hint="remove one of these `needs` entries", location=Location(first.file, pointer="/needs"))
    for prof in catalog.profiles.values():
        refs = [(c, "/components") for c in prof.components]
        for choice in prof.choices.values():
            if choice.default not in choice.options:
                raise PlanError(f"profile `{prof.name}`: choice `{choice.name}` defaults to `{choice.default}`, "
                                "which is not one of its options",
                                location=Location(prof.file, pointer=f"/choices/{choice.name}/default"))
            for opt in choice.options.values():
                refs += [(c, f"/choices/{choice.name}/options/{opt.name}/components") for c in opt.components]
                refs += [(c, f"/choices/{choice.name}/options/{opt.name}/values") for c in opt.values]
        refs += [(c, "/values") for c in prof.values]
        refs += [(s.replace, "/substitutions") for s in prof.substitutions]
        refs += [(s.with_, "/substitutions") for s in prof.substitutions]
        for ref, where in refs:
            if ref not in ids:
                raise PlanError(f"profile `{prof.name}` names component `{ref}`, which no blueprint defines",
                                location=Location(prof.file, pointer=where))


def find_cycle(graph: Mapping[str, tuple[str, ...]]) -> list[str] | None:
    """A dependency cycle as a closed path [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None
