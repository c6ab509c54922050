"""Writing a generated project to disk safely: the filesystem edge of `stackplan init`.

`.stackplan/manifest.json` records the digest of every file init wrote. On a re-run each file is
compared three ways — on disk, as recorded, as generated now:
- missing, never recorded                 -> created
- on disk == generated                    -> unchanged
- generated == recorded (init's output did not change): the disk is left alone, edits kept
- on disk == recorded (user did not edit)  -> updated
- otherwise the user changed a file init now wants to change -> conflict: nothing is written
  unless --force, which replaces it and says so.
All files and the manifest (last) are written all or nothing (planner/emit/filetx.py): every path is
checked first, then temp files are renamed over the targets, and a failure undoes the renames.
A non-empty target without a manifest is not ours: refused, nothing written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner import __version__
from planner.emit.scaffold import MANIFEST
from planner.errors import InputError

IGNORED_ENTRIES = {".git"}  # a fresh `git init` does not make a directory foreign


def as_bytes(content: str | bytes) -> bytes:
    """A generated file's bytes: text is written as UTF-8, binary files (a vendored wheel) as they are."""
    return content if isinstance(content, bytes) else content.encode()


def file_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Action:
    path: str
    status: str  # created | updated | unchanged | kept | conflict | replaced


@dataclass(frozen=True)
class WritePlan:
    target: Path
    actions: tuple[Action, ...]
    files: Mapping[str, str | bytes]
    metadata: Mapping[str, str]

    @property
    def conflicts(self) -> list[str]:
        return [a.path for a in self.actions if a.status == "conflict"]

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.status in ("created", "updated", "replaced")]


def read_manifest(target: Path) -> dict[str, object] | None:
    path = target / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ValueError("no files map")
        return data
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: unreadable stackplan manifest ({e})",
                         hint=f"delete {MANIFEST} only if you want init to treat every file as yours") from e


def plan_writes(target: Path, files: Mapping[str, str | bytes], metadata: Mapping[str, str], force: bool) -> WritePlan:
    """Decide what to do with each file (reads the disk, writes nothing)."""
    try:
        return _plan_writes(target, files, metadata, force)
    except OSError as e:
        where = e.filename or target
        raise InputError(f"{where}: {e.strerror or type(e).__name__}; nothing was written",
                         hint="pass --dir with a directory you can read and write") from e


def _plan_writes(target: Path, files: Mapping[str, str | bytes], metadata: Mapping[str, str], force: bool) -> WritePlan:
    for parent in (target, *target.parents):
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise InputError(f"{parent} exists and is not a directory, so {target} cannot be a project "
                                 "directory; nothing was written", hint="pass --dir with a directory path")
            break
    manifest = read_manifest(target) if target.exists() else None
    if manifest is None and target.exists():
        foreign = sorted(p.name for p in target.iterdir() if p.name not in IGNORED_ENTRIES)
        if foreign:
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise InputError(f"{target} is not empty and is not a stackplan project (no {MANIFEST}); found {shown}",
                             hint="choose a new or empty directory with --dir")
    recorded: dict[str, str] = dict((manifest or {}).get("files") or {})  # type: ignore[arg-type]
    actions = []
    for rel, content in sorted(files.items()):
        new = file_digest(as_bytes(content))
        path = target / rel
        on_disk = file_digest(path.read_bytes()) if path.is_file() else None  # a directory: filetx refuses
        before = recorded.get(rel)
        if on_disk is None and before is None:
            status = "created"
        elif on_disk == new:
            status = "unchanged"
        elif before == new:
            status = "kept"  # init's output for this file did not change; the user's version stays
        elif on_disk is not None and on_disk == before:
            status = "updated"
        else:
            status = "replaced" if force else "conflict"
        actions.append(Action(rel, status))
    return WritePlan(target, tuple(actions), dict(files), dict(metadata))


def apply_writes(plan: WritePlan) -> None:
    """Write what the plan says (refuses if it has conflicts), then the manifest: all or nothing."""
    from planner.emit.filetx import commit

    if plan.conflicts:
        raise InputError(f"{len(plan.conflicts)} file(s) changed since stackplan init wrote them: "
                         + ", ".join(plan.conflicts) + "; nothing was written",
                         hint="re-run with --force to replace them (your edits are lost), or move them aside")
    previous = read_manifest(plan.target) or {}
    recorded: dict[str, str] = dict(previous.get("files") or {})  # type: ignore[arg-type]
    writes: list[tuple[str, bytes]] = []
    for action in plan.actions:
        data = as_bytes(plan.files[action.path])
        if action.status in ("created", "updated", "replaced"):
            writes.append((action.path, data))
        recorded[action.path] = file_digest(data)
    manifest = {"generator": f"stackplan {__version__}", **plan.metadata, "files": dict(sorted(recorded.items()))}
    body = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    current = plan.target / MANIFEST
    if not writes and current.is_file() and current.read_text(encoding="utf-8") == body:
        return
    commit(plan.target, [*writes, (MANIFEST, body.encode())])
