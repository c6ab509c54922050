"""Kustomize remote targets (`github.com/o/r/path?ref=R`, `https://github.com/o/r.git//path?ref=R`, …), read once. Pure.

The Pulumi program turns them into git tree URLs (planner/emit/sources.py) and verify-charts maps them to local
copies of the repositories, laid out as `<dir>/<host>/<owner>/<repo>@<ref>/` (planner/engine/kustomize_build.py),
so an upstream kustomization whose bases point at other repositories renders without the network.

The forms are kustomize's (kubernetes-sigs/kustomize:api/internal/git/repospec.go@kustomize/v5.5.0): an optional
`git::` prefix, a scheme (`https://`, `http://`, `ssh://`, `file://`) or a bare known host (`github.com/…`,
`gitlab.com/…`, `bitbucket.org/…`) or `git@host:owner/repo`; the repository ends at `.git`, at `//`, or (on a bare
`host/owner/repo/…`) after two path segments; `?ref=` (or `?version=`) names the git ref, `timeout`/`submodules`
are options. `raw.githubusercontent.com/<owner>/<repo>/<ref>/<file>` addresses one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import parse_qs

from planner.errors import PlanError

_SCHEMES = ("https://", "http://", "ssh://", "file://")
_BARE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/")
RAW_GITHUB = "raw.githubusercontent.com"


@dataclass(frozen=True)
class RemoteTarget:
    host: str
    owner: str
    repo: str
    path: str  # inside the repository, no leading or trailing slash ("" for the root)
    ref: str | None  # None: the default branch (cannot be mapped to a pinned local copy)

    def repo_text(self) -> str:
        """`github.com/kubeflow/pipelines@2.17.0`: the repository at its ref, as the local layout names it."""
        return f"{self.host}/{self.owner}/{self.repo}" + (f"@{self.ref}" if self.ref else "")

    def local_repo(self) -> PurePosixPath:
        """Where a copy of the repository at `ref` lives, relative to a mirror directory."""
        return PurePosixPath(self.host, self.owner, f"{self.repo}@{self.ref}")

    def local_path(self) -> PurePosixPath:
        """The target inside that copy, relative to the mirror directory."""
        return self.local_repo() / self.path if self.path else self.local_repo()

    def clone_url(self) -> str:
        return f"https://{self.host}/{self.owner}/{self.repo}"


def is_remote(entry: str) -> bool:
    """Whether kustomize would fetch this `resources:` entry rather than read a local path."""
    e = entry.strip().removeprefix("git::")
    return e.startswith(_SCHEMES) or e.startswith(_BARE_HOSTS) or (e.startswith("git@") and ":" in e)


def parse_remote(target: str, ref: str | None = None) -> RemoteTarget:
    """The parts of a remote target; `ref` is used when the URL has no `?ref=`. PlanError when it cannot be read."""
    url, _, query = target.strip().removeprefix("git::").partition("?")
    params = parse_qs(query)
    ref = (params.get("ref") or params.get("version") or [ref])[0]
    for scheme in _SCHEMES:
        url = url.removeprefix(scheme)
    if url.startswith("git@"):  # git@github.com:owner/repo.git/path
        url = url.removeprefix("git@").replace(":", "/", 1)
    url = url.removeprefix("git@").rstrip("/")  # ssh://git@host/…
    host, _, rest = url.partition("/")
    if host == RAW_GITHUB:  # raw.githubusercontent.com/<owner>/<repo>/<ref>/<file>
        parts = rest.split("/")
        if len(parts) < 4:
            raise PlanError(f"cannot read kustomize target {target!r}",
                            hint="a raw.githubusercontent.com URL is /<owner>/<repo>/<ref>/<file>")
        return RemoteTarget("github.com", parts[0], parts[1], "/".join(parts[3:]), parts[2])
    if "//" in rest:
        repo_part, _, path = rest.partition("//")
    elif ".git/" in rest or rest.endswith(".git"):
        repo_part, _, path = rest.partition(".git")
        path = path.lstrip("/")
    else:
        parts = rest.split("/")
        repo_part, path = "/".join(parts[:2]), "/".join(parts[2:])
    owner, _, repo = repo_part.removesuffix(".git").partition("/")
    if not host or not owner or not repo or "/" in repo:
        raise PlanError(f"cannot read kustomize target {target!r}",
                        hint="use host/owner/repo/path, e.g. github.com/kubeflow/katib/manifests/v1beta1/installs/x")
    return RemoteTarget(host, owner, repo, path.strip("/"), ref)
