"""The `stackplan` line of a generated requirements.txt: how the project's venv gets stackplan.

stackplan is not published on PyPI, so a bare `stackplan==X` would not install — and worse, would
install whatever someone else publishes under that name (dependency confusion). The line is always a
PEP 508 direct reference, `stackplan @ <url>`:
- by default the place this stackplan was installed from, read from the installer's record
  (`direct_url.json`, PEP 610): a VCS checkout -> `git+https://…@<commit>`, a local directory or
  wheel -> `file:///…`, a downloaded archive -> its URL;
- or what `stackplan init --stackplan-requirement SPEC` says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from planner.errors import InputError

DIST = "stackplan"
# Only schemes pip installs from without an index: nothing here is looked up by name.
_SCHEMES = ("file://", "https://", "git+https://", "git+ssh://", "git+file://", "hg+https://")
_SPEC = re.compile(r"^\s*stackplan\s*(\[[A-Za-z0-9_,\s-]*\])?\s*@\s*(?P<url>\S+)\s*$", re.IGNORECASE)
EXAMPLE = "stackplan @ git+https://github.com/<org>/stackplan@<commit>"


@dataclass(frozen=True)
class Requirement:
    """The requirements.txt line and where it came from (for the comment above it)."""

    line: str
    origin: str  # "installed from a local path", "given with --stackplan-requirement", ...

    @property
    def local(self) -> bool:
        """True when the line points at this machine's filesystem (CI cannot install it)."""
        return "file://" in self.line


def parse(spec: str) -> Requirement:
    """Validate a `--stackplan-requirement` value; InputError (exit 2) unless it is `stackplan @ <url>`."""
    m = _SPEC.match(spec) if "\n" not in spec and "\r" not in spec else None
    if m is None:
        raise InputError(f"--stackplan-requirement {spec!r} is not a direct reference to stackplan",
                         hint=f"use `{EXAMPLE}` or `stackplan @ file:///path/to/stackplan` — never a bare "
                              "name or version, which pip would look up on PyPI, where stackplan is not published")
    url = m.group("url")
    if not url.startswith(_SCHEMES):
        raise InputError(f"--stackplan-requirement: unsupported URL {url!r}",
                         hint=f"the URL must start with one of: {', '.join(_SCHEMES)}")
    return Requirement(f"{DIST} @ {url}", "given with --stackplan-requirement")


def from_direct_url(record: dict) -> Requirement | None:
    """The requirement for a PEP 610 `direct_url.json` record, or None when it names no usable source."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        return None
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        return Requirement(f"{DIST} @ {vcs['vcs']}+{url}@{vcs['commit_id']}",
                           f"installed from {vcs['vcs']} at commit {vcs['commit_id'][:12]}")
    if "dir_info" in record:
        editable = " (editable)" if (record.get("dir_info") or {}).get("editable") else ""
        return Requirement(f"{DIST} @ {url}", f"installed from a local directory{editable}")
    if "archive_info" in record:
        return Requirement(f"{DIST} @ {url}", "installed from this archive")
    return None


def installed() -> Requirement | None:
    """Where the running stackplan was installed from; None when the installer recorded no direct URL
    (e.g. it came from a package index)."""
    from importlib import metadata

    try:
        text = metadata.distribution(DIST).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return from_direct_url(record) if isinstance(record, dict) else None


def choose(spec: str | None) -> Requirement:
    """`--stackplan-requirement` when given, else where this stackplan came from; InputError when neither."""
    if spec is not None:
        return parse(spec)
    found = installed()
    if found is None:
        raise InputError("cannot tell where this stackplan was installed from (no direct_url.json), so the "
                         "generated requirements.txt would have no safe way to install it",
                         hint=f"pass --stackplan-requirement '{EXAMPLE}'")
    return found
