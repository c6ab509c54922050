"""The `stackplan` line of a generated requirements.txt: how the project's venv gets stackplan. Pure.

A generated project must install on a teammate's machine and in CI, so the default line is
portable and pinned, derived from where the running stackplan came from (planner/emit/origin.py
gathers the facts):
- a git checkout (editable install, or the source tree on the path) with a network remote:
  `stackplan @ git+https://host/org/stackplan.git@<commit>` (the remote's credentials never copied);
- a VCS install (PEP 610 `direct_url.json` with `vcs_info`): `stackplan @ git+<url>@<commit>`;
- a downloaded archive: `stackplan @ https://…/stackplan-X.tar.gz#sha256=…`;
- a package index (no `direct_url.json`): `stackplan==<version>`;
- `stackplan init --vendor`: a wheel of this stackplan inside the project, `./vendor/<wheel>`.
A path on this machine (`file://`, a remote that is a local directory) is not portable: init refuses
it as a default and says exactly what to pass instead (NoPortableSource). `--stackplan-requirement`
may still name one on purpose; the generated files then say it only installs on this machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from planner.errors import InputError

DIST = "stackplan"
# Only schemes pip installs from without an index: nothing here is looked up by name.
_SCHEMES = ("file://", "https://", "git+https://", "git+ssh://", "git+file://", "hg+https://")
_SPEC = re.compile(r"^\s*stackplan\s*(\[[A-Za-z0-9_,\s-]*\])?\s*@\s*(?P<url>\S+)\s*$", re.IGNORECASE)
_SCP = re.compile(r"^(?P<user>[A-Za-z0-9._-]+@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>(?!//)[^\s]+)$")  # git@host:org/r
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
EXAMPLE = "stackplan @ git+https://github.com/<org>/stackplan@<commit>"
VENDOR_DIR = "vendor"
SDKS = ("pulumi", "pulumi-kubernetes")  # pinned in requirements.txt to the versions stackplan runs with


@dataclass(frozen=True)
class Requirement:
    """The requirements.txt line, where it came from (for the comment above it), and warnings for the user."""

    line: str
    origin: str  # "git checkout … at commit …", "given with --stackplan-requirement", ...
    notes: tuple[str, ...] = ()

    @property
    def local(self) -> bool:
        """True when the line points at this machine's filesystem (CI cannot install it)."""
        return "file://" in self.line

    @property
    def vendored(self) -> bool:
        return self.line.startswith(f"./{VENDOR_DIR}/")


@dataclass(frozen=True)
class NoPortableSource:
    """Why no portable requirement could be derived (what init found), for the error message."""

    found: str
    commit: str | None = None  # the commit it runs at, when known: the requirement to pass names it


@dataclass(frozen=True)
class GitFacts:
    """A git checkout holding stackplan's source: what the requirement is derived from."""

    remote: str | None  # the URL of `origin` (or the only remote), as configured
    commit: str
    subdirectory: str = ""  # where pyproject.toml sits inside the repository ("" at the root)
    dirty: bool = False  # tracked files changed since the commit
    pushed: bool | None = None  # the commit is on a remote-tracking branch (None: no remote branches known)
    root: str = ""  # the checkout, for messages


@dataclass(frozen=True)
class Versions:
    """What requirements.txt pins besides stackplan: {distribution: version} (read from this environment)."""

    pins: Mapping[str, str] = field(default_factory=dict)

    @property
    def pulumi(self) -> str:
        return self.pins["pulumi"]


def parse(spec: str) -> Requirement:
    """Validate a `--stackplan-requirement` value; InputError (exit 2) unless it is `stackplan @ <url>`."""
    m = _SPEC.match(spec) if "\n" not in spec and "\r" not in spec else None
    if m is None:
        raise InputError(f"--stackplan-requirement {spec!r} is not a direct reference to stackplan",
                         hint=f"use `{EXAMPLE}` or `stackplan @ file:///path/to/stackplan`, or pass --vendor "
                              "instead — never a bare name or version, which pip would look up on a package index")
    url = m.group("url")
    if not url.startswith(_SCHEMES):
        raise InputError(f"--stackplan-requirement: unsupported URL {url!r}",
                         hint=f"the URL must start with one of: {', '.join(_SCHEMES)}")
    if re.match(r"^[a-z]+\+file:///", url):  # pip's PEP 508 parser wants a host in a VCS URL
        raise InputError(f"--stackplan-requirement: pip cannot parse {url!r} (a VCS URL without a host)",
                         hint=f"write it as {url.replace(':///', '://localhost/', 1)!r}")
    return Requirement(f"{DIST} @ {url}", "given with --stackplan-requirement")


def strip_credentials(url: str) -> str:
    """The URL without a password or token in its userinfo (`https://user:tok@h/p` -> `https://h/p`);
    an ssh user name without a password (`ssh://git@h/p`) is kept, it is how the server is reached."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    keep = parts.scheme.endswith("ssh") and ":" not in userinfo
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}" if keep else host))


def pip_git_url(remote: str) -> str | None:
    """The pip VCS URL (`git+https://…`, `git+ssh://…`, `git+file://…`) of a git remote, or None when
    pip cannot install from it (an unknown scheme)."""
    remote = remote.strip()
    scp = _SCP.match(remote)
    if scp and "://" not in remote and not remote.startswith("/"):
        return f"git+ssh://{scp.group('user') or ''}{scp.group('host')}/{scp.group('path')}"
    if remote.startswith("/"):
        return f"git+file://localhost{remote}"  # pip's PEP 508 parser wants a host in a VCS URL
    scheme = remote.split("://", 1)[0].lower() if "://" in remote else ""
    if scheme == "file":
        return "git+file://localhost/" + remote.split("://", 1)[1].lstrip("/")
    if scheme in ("https", "ssh"):
        return "git+" + strip_credentials(remote)
    if scheme in ("git+https", "git+ssh", "git+file"):
        return strip_credentials(remote)
    return None


def from_git(facts: GitFacts) -> Requirement | NoPortableSource:
    """The requirement for a git checkout: its remote at its HEAD commit, when the remote is not a local path."""
    url = pip_git_url(facts.remote) if facts.remote else None
    if url is None:
        what = f"remote {strip_credentials(facts.remote)!r} is not a URL pip installs from" if facts.remote \
            else "no git remote"
        return NoPortableSource(f"the git checkout {facts.root} ({what})", facts.commit)
    if url.startswith("git+file://"):
        return NoPortableSource(f"the git checkout {facts.root}, whose remote is a local path ({url[4:]})",
                                facts.commit)
    sub = f"#subdirectory={facts.subdirectory}" if facts.subdirectory else ""
    notes = []
    if facts.dirty:
        notes.append(f"{facts.root} has uncommitted changes; requirements.txt installs commit {facts.commit[:12]} "
                     "without them")
    if facts.pushed is False:
        notes.append(f"commit {facts.commit[:12]} is on no branch of the remote you have fetched: push it, or CI "
                     "and your teammates cannot install it")
    return Requirement(f"{DIST} @ {url}@{facts.commit}{sub}",
                       f"the git remote of this stackplan's source checkout, at commit {facts.commit[:12]}",
                       tuple(notes))


def from_direct_url(record: Mapping[str, object]) -> Requirement | None:
    """The requirement for a PEP 610 `direct_url.json` record, or None when it names no usable source.

    A local directory or file gives a `file://` line (`local`): the caller prefers that directory's git
    remote, and refuses a local line as a default."""
    url = record.get("url")
    if not isinstance(url, str) or not url:
        return None
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        clean = strip_credentials(url)
        sub = record.get("subdirectory")
        suffix = f"#subdirectory={sub}" if isinstance(sub, str) and sub else ""
        return Requirement(f"{DIST} @ {vcs['vcs']}+{clean}@{vcs['commit_id']}{suffix}",
                           f"installed from {vcs['vcs']} at commit {str(vcs['commit_id'])[:12]}")
    if "dir_info" in record:
        editable = " (editable)" if (record.get("dir_info") or {}).get("editable") else ""  # type: ignore[union-attr]
        return Requirement(f"{DIST} @ {url}", f"installed from a local directory{editable}")
    if "archive_info" in record:
        hashes = (record.get("archive_info") or {}).get("hashes") or {}  # type: ignore[union-attr]
        pin = f"#sha256={hashes['sha256']}" if isinstance(hashes, dict) and hashes.get("sha256") and "#" not in url \
            else ""
        return Requirement(f"{DIST} @ {strip_credentials(url)}{pin}", "installed from this archive")
    return None


def published(version: str) -> Requirement:
    """stackplan installed from a package index: pinned by version (the teammate's pip uses the same index)."""
    return Requirement(f"{DIST}=={version}", "the package index it was installed from (if that is not PyPI, "
                       "add `--index-url <index>` above this line)")


def vendored(wheel: str) -> Requirement:
    """The requirement for a wheel `stackplan init --vendor` copied into the project."""
    return Requirement(f"./{VENDOR_DIR}/{wheel}", f"the wheel `stackplan init --vendor` put in {VENDOR_DIR}/ "
                       "(pip runs in this directory)")


def refusal(missing: NoPortableSource) -> InputError:
    """The error init gives when it cannot derive a portable requirement: what it found, what to pass."""
    example = EXAMPLE.replace("<commit>", missing.commit) if missing.commit else EXAMPLE
    pushed = f" once commit {missing.commit[:12]} is pushed there" if missing.commit else ""
    return InputError(
        f"cannot derive a portable stackplan requirement: this stackplan comes from {missing.found}, which "
        "only exists on this machine, so requirements.txt would not install in CI or on a teammate's machine",
        hint="pass --vendor (a wheel of this stackplan goes into the project's vendor/ and installs anywhere, "
             f"offline), or --stackplan-requirement '{example}' with the repository your CI can fetch{pushed}")


def is_commit(text: str) -> bool:
    return bool(_COMMIT.match(text))
