"""Where the Pulumi program gets each release's manifests from. Pure (file probing is injected).

Helm (pulumi-kubernetes `helm.v3.Release`):
- `helm` source: `chart=<name>`, `repository_opts.repo=<repo URL>`;
- `oci` source: `chart=oci://host/path/<chart>` and no repository options (OCI support in Release:
  pulumi/pulumi-kubernetes#1892; the chart argument takes the full oci:// reference);
- `local` source (a mirror directory): `chart=<dir>/<chart>-<version>.tgz` if that archive exists,
  else `<dir>/<chart>` (Release's chart argument accepts a path).
Kustomize (`kustomize.Directory`): a local directory as is; a remote target is turned into the git
form the provider fetches, `https://<host>/<owner>/<repo>/tree/<ref>/<path>` (provider
invoke_kustomize.go -> pulumi gitutil `RetrieveGitFolder`, which resolves `tree/<ref>/<path>`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from planner.errors import PlanError
from planner.model import Release


@dataclass(frozen=True)
class HelmChart:
    chart: str
    version: str
    repo: str | None = None  # None: the chart is an oci:// reference or a local path


def helm_chart(release: Release, exists: Callable[[str], bool] = os.path.exists) -> HelmChart:
    """The Release arguments that locate a Helm release's chart."""
    src = release.source
    chart = src.chart or release.component
    if src.kind == "helm":
        return HelmChart(chart=chart, version=release.version, repo=src.location)
    if src.kind == "oci":
        return HelmChart(chart=src.location, version=release.version)
    if src.kind == "local":
        base = src.location.rstrip("/")
        archive = f"{base}/{chart}-{release.version}.tgz"
        return HelmChart(chart=archive if exists(archive) else f"{base}/{chart}", version=release.version)
    raise PlanError(f"release `{release.id}` has a {src.kind} source, not a Helm chart")


def is_kustomize(release: Release) -> bool:
    return release.source.kind == "kustomize" or (release.source.kind == "local" and release.source.chart is None)


def kustomize_directory(release: Release) -> str:
    """The `directory` argument of kustomize.Directory for a kustomize release."""
    src = release.source
    if src.kind == "local":
        return src.location
    if src.kind != "kustomize":
        raise PlanError(f"release `{release.id}` has a {src.kind} source, not kustomize")
    return git_tree_url(src.location, src.ref or release.version)


def git_tree_url(target: str, ref: str) -> str:
    """A kustomize remote target (`github.com/o/r/path`, `https://github.com/o/r.git/path`, `…//path`)
    as `https://<host>/<owner>/<repo>/tree/<ref>/<path>`."""
    url = target.removeprefix("git::")
    for scheme in ("https://", "http://", "ssh://"):
        url = url.removeprefix(scheme)
    url = url.split("?", 1)[0].rstrip("/")
    host, _, rest = url.partition("/")
    if "//" in rest:
        repo_part, _, path = rest.partition("//")
    elif ".git/" in rest:
        repo_part, _, path = rest.partition(".git/")
    else:
        parts = rest.split("/")
        repo_part, path = "/".join(parts[:2]), "/".join(parts[2:])
    owner, _, repo = repo_part.removesuffix(".git").partition("/")
    if not host or not owner or not repo:
        raise PlanError(f"cannot read kustomize target {target!r}",
                        hint="use host/owner/repo/path, e.g. github.com/kubeflow/katib/manifests/v1beta1/installs/x")
    tail = f"/{path.strip('/')}" if path.strip("/") else ""
    return f"https://{host}/{owner}/{repo}/tree/{ref}{tail}"
