"""Render a kustomization offline: remote bases mapped to local copies, built with the real kustomize.

Upstream kustomizations point at other repositories (Kubeflow Pipelines 2.17.0 pulls Argo Workflows'
`https://github.com/argoproj/argo-workflows/manifests/base/crds/minimal?ref=v4.0.5`), which kustomize would
`git clone`. Here every remote entry of `resources`/`bases`/`components`/`generators`/`transformers` is mapped to
a copy of its repository at its ref under a local directory, laid out as

    <dir>/<host>/<owner>/<repo>@<ref>/…     e.g. <dir>/github.com/argoproj/argo-workflows@v4.0.5/manifests/…

(`git clone --depth 1 --branch <ref> https://<host>/<owner>/<repo> <dir>/<host>/<owner>/<repo>@<ref>` on a
connected machine). Nothing of the user's copy is modified: `stage` copies each kustomization that has (or
reaches) a remote entry into a temp dir and rewrites those entries into relative paths; every other
kustomization is referenced where it is. `kubectl kustomize` (kustomize built into kubectl) then renders it.

`plan_stage` (what to copy and rewrite) is pure over a `read` function; `stage` and `KustomizeBuild` do the I/O.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import InputError, PlanError
from planner.install import kustomization_file
from planner.kustomize_remote import RemoteTarget, is_remote, parse_remote

DIR_KEYS = ("resources", "bases", "components", "generators", "transformers")
BUILD_TIMEOUT = 300.0


@dataclass(frozen=True)
class Edge:
    key: str  # resources | bases | …
    index: int
    entry: str  # as written
    target: Path  # the local directory (or file) it resolves to
    remote: RemoteTarget | None = None


@dataclass
class StagePlan:
    """Kustomization roots (absolute dirs) and their edges; which must be copied to rewrite remote entries."""

    edges: dict[Path, list[Edge]] = field(default_factory=dict)
    copy: set[Path] = field(default_factory=set)
    missing: list[tuple[str, RemoteTarget, Path]] = field(default_factory=list)  # (entry, target, expected path)
    remote_files: bool = False  # a remote entry mapped to a file (needs --load-restrictor LoadRestrictionsNone)


Reader = Callable[[Path], "Mapping[str, Any] | None"]  # a root dir -> its kustomization (None: not one)


def read_kustomization(directory: Path) -> Mapping[str, Any] | None:
    from ruamel.yaml import YAML

    f = kustomization_file(directory)
    if f is None:
        return None
    try:
        data = YAML(typ="safe").load(f.read_text(encoding="utf-8"))
    except Exception as e:  # a broken file: kustomize reports it with its own words
        raise InputError(f"{f}: not YAML ({e})", hint="fix the kustomization file") from None
    return data if isinstance(data, dict) else {}


def plan_stage(start: Path, mirror: Path, read: Reader = read_kustomization) -> StagePlan:
    """Walk the kustomizations reachable from `start`, mapping remote entries into `mirror`'s repository layout."""
    plan = StagePlan()
    todo = [start]
    while todo:
        root = todo.pop()
        if root in plan.edges:
            continue
        data = read(root)
        plan.edges[root] = []
        if data is None:
            continue
        for key in DIR_KEYS:
            entries = data.get(key) or []
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if not isinstance(entry, str):
                    continue  # an inline generator/transformer config
                if is_remote(entry):
                    try:
                        remote = parse_remote(entry)
                    except PlanError:
                        raise InputError(f"{root}: cannot read the remote {key} entry {entry!r}",
                                         hint="write it as host/owner/repo/path?ref=REF") from None
                    if remote.ref is None:
                        raise InputError(f"{root}: the remote {key} entry {entry!r} names no ?ref=",
                                         hint="pin it to a tag or commit so a local copy can stand in for it")
                    target = mirror / remote.local_path()
                    if not target.exists():
                        plan.missing.append((entry, remote, target))
                        continue
                    target = target.resolve()
                    plan.edges[root].append(Edge(key, i, entry, target, remote))
                    if target.is_dir():
                        todo.append(target)
                    else:
                        plan.remote_files = True
                else:
                    target = (root / entry).resolve()
                    if target.is_dir():
                        plan.edges[root].append(Edge(key, i, entry, target))
                        todo.append(target)
    # a root is copied when it has a remote entry or reaches a copied root through a local one
    changed = True
    while changed:
        changed = False
        for root, edges in plan.edges.items():
            if root not in plan.copy and any(e.remote is not None or e.target in plan.copy for e in edges):
                plan.copy.add(root)
                changed = True
    return plan


def missing_text(missing: list[tuple[str, RemoteTarget, Path]]) -> str:
    """One sentence per missing copy: the entry, the directory expected, and the command that fills it."""
    seen: dict[Path, str] = {}
    for entry, remote, expected in missing:
        repo_dir = expected
        for _ in remote.path.split("/") if remote.path else []:
            repo_dir = repo_dir.parent
        seen.setdefault(repo_dir, f"{entry} needs {expected} (`git clone --depth 1 --branch {remote.ref} "
                                  f"{remote.clone_url()} {repo_dir}`)")
    return "; ".join(seen.values())


def stage(start: Path, mirror: Path, tmp: Path, read: Reader = read_kustomization) -> tuple[Path, StagePlan]:
    """The directory to build: `start` itself, or its rewritten copy in `tmp`. InputError names missing copies."""
    start = start.resolve()
    plan = plan_stage(start, mirror.resolve(), read)
    if plan.missing:
        raise InputError(f"no local copy of {len(plan.missing)} remote base(s): {missing_text(plan.missing)}",
                         hint=f"copy each repository at its ref into {mirror} as <host>/<owner>/<repo>@<ref>/ "
                              "(docs/apply.md, Verifying kustomize sources offline)")
    copies = {root: tmp / f"k{i}" for i, root in enumerate(sorted(plan.copy))}
    for root, dest in copies.items():
        shutil.copytree(root, dest, ignore=shutil.ignore_patterns(".git"), symlinks=False)
    for root, dest in copies.items():
        f = kustomization_file(dest)
        assert f is not None
        data = dict(read(root) or {})
        for e in plan.edges[root]:
            target = copies.get(e.target, e.target)
            entries = list(data[e.key])
            entries[e.index] = os.path.relpath(target, dest)
            data[e.key] = entries
        _write_yaml(f, data)
    return copies.get(start, start), plan


def _write_yaml(path: Path, data: Mapping[str, Any]) -> None:
    from ruamel.yaml import YAML

    y = YAML(typ="safe")
    y.default_flow_style = False
    with path.open("w", encoding="utf-8") as fh:
        y.dump(dict(data), fh)


def kustomize_command() -> list[str] | None:
    """The real kustomize: `kubectl kustomize` (kustomize built into kubectl; $STACKPLAN_KUBECTL, PATH, the
    testbin), else a `kustomize` binary on PATH. None when neither exists."""
    from planner.tools import find_kubectl

    kubectl = find_kubectl()
    if kubectl:
        return [kubectl, "kustomize"]
    binary = shutil.which("kustomize")
    return [binary, "build"] if binary else None


KUSTOMIZE_HINT = ("install kubectl (https://kubernetes.io/docs/tasks/tools/; `kubectl kustomize` is built in) and put "
                  "it on PATH, or set STACKPLAN_KUBECTL to its path")


class KustomizeBuild:
    """`kubectl kustomize` over a kustomization whose remote bases are mapped into a local mirror directory."""

    def __init__(self, command: list[str]) -> None:
        self.command = command

    async def render(self, release_id: str, directory: str, mirror: str) -> list[Any]:
        """The parsed documents of the kustomization at `directory`, or raise InputError."""
        import yaml

        with tempfile.TemporaryDirectory(prefix="stackplan-kustomize-") as tmp:
            target, plan = stage(Path(directory), Path(mirror), Path(tmp))
            args = [*self.command, str(target)]
            if plan.remote_files:
                args.append("--load-restrictor=LoadRestrictionsNone")
            proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL,
                                                        stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.PIPE)
            try:
                out, err = await asyncio.wait_for(proc.communicate(), BUILD_TIMEOUT)
            except (TimeoutError, asyncio.CancelledError):
                proc.kill()
                await proc.wait()
                raise
        if proc.returncode != 0:
            raise InputError(f"release `{release_id}`: kustomize build {directory} failed: "
                             f"{err.decode(errors='replace').strip()[:2000]}",
                             hint="check that the directory holds the pinned manifests and every remote base is "
                                  "copied under the mirror directory")
        try:
            return [d for d in yaml.safe_load_all(out) if d]
        except yaml.YAMLError as e:
            raise InputError(f"release `{release_id}`: kustomize printed YAML that does not parse: {e}") from None
