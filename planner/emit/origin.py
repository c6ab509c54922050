"""Where the running stackplan came from: the I/O edge of planner/emit/requirement.py.

Reads, in this order: the source tree the imported `planner` package lives in (a git checkout: its
remote and HEAD, via the `git` binary), the installer's record (`direct_url.json`, PEP 610) and the
installed version. Also reads the versions of the Pulumi SDKs requirements.txt pins.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from planner.emit.requirement import (
    DIST,
    SDKS,
    GitFacts,
    NoPortableSource,
    Requirement,
    Versions,
    from_direct_url,
    from_git,
    is_commit,
    published,
)
from planner.errors import InputError


def source_root() -> Path | None:
    """The source tree (holding pyproject.toml of project `stackplan`) the running `planner` comes from,
    or None when it runs from an installed wheel."""
    import planner

    root = Path(planner.__file__).resolve().parent.parent
    return root if is_stackplan_source(root) else None


def is_stackplan_source(directory: Path) -> bool:
    """True when `directory` holds stackplan's own pyproject.toml (a source checkout of stackplan)."""
    import tomllib

    try:
        data = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (data.get("project") or {}).get("name") == DIST and (directory / "planner").is_dir()


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        out = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_facts(root: Path) -> GitFacts | None:
    """The checkout's remote, HEAD and state, or None when `root` is not inside a git work tree."""
    commit = _git(root, "rev-parse", "HEAD")
    top = _git(root, "rev-parse", "--show-toplevel")
    if not commit or not is_commit(commit) or not top:
        return None
    remotes = (_git(root, "remote") or "").split()
    name = "origin" if "origin" in remotes else (remotes[0] if len(remotes) == 1 else None)
    remote = _git(root, "remote", "get-url", name) if name else None
    sub = Path(root).resolve().relative_to(Path(top).resolve()).as_posix()
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    pushed: bool | None = None
    if name and _git(root, "for-each-ref", "--count=1", f"refs/remotes/{name}/"):
        pushed = bool(_git(root, "branch", "-r", "--contains", commit))
    return GitFacts(remote=remote, commit=commit, subdirectory="" if sub == "." else sub, dirty=dirty,
                    pushed=pushed, root=str(root))


def _direct_url() -> dict[str, object] | None:
    try:
        text = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _local_dir(url: str) -> Path | None:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def detect() -> Requirement | NoPortableSource:
    """The portable requirement for the running stackplan, or what was found instead."""
    root = source_root()
    if root is not None:  # an editable install, or the source tree on sys.path: this is the code that runs
        facts = git_facts(root)
        return from_git(facts) if facts else NoPortableSource(f"the directory {root} (not a git checkout)")
    record = _direct_url()
    if record is None:
        try:
            return published(metadata.version(DIST))
        except metadata.PackageNotFoundError:
            return NoPortableSource("a copy that no installer recorded (no stackplan distribution is installed)")
    req = from_direct_url(record)
    if req is None:
        return NoPortableSource("an installation whose direct_url.json names no source")
    if not req.local:
        return req
    directory = _local_dir(str(record.get("url")))
    if directory is not None and directory.is_dir() and is_stackplan_source(directory):
        facts = git_facts(directory)
        if facts:
            return from_git(facts)
    return NoPortableSource(f"the local path {str(record.get('url')).removeprefix('file://')}")


def versions() -> Versions:
    """The installed versions of the SDKs requirements.txt pins (those stackplan was installed and tested with)."""
    pins = {}
    for dist in SDKS:
        try:
            pins[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError as e:
            raise InputError(f"{dist} is not installed, so init cannot pin the version stackplan runs with",
                             hint="reinstall stackplan with its dependencies (pip install stackplan's source)") from e
    return Versions(pins)
