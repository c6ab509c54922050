"""The Pulumi arguments for each release's `Release.install` (decided by resolve, planner/install.py). Pure.

Helm (pulumi-kubernetes `helm.v3.Release`):
- a chart by name: `chart=<name>`, `repository_opts.repo=<repo URL>`;
- `oci://`: `chart=oci://host/path/<chart>` and no repository options (OCI support in Release:
  pulumi/pulumi-kubernetes#1892; the chart argument takes the full oci:// reference);
- a local chart: `chart=<path>` (Release's chart argument accepts a directory or a .tgz) — the path the plan
  found (`<chart>/`, `<chart>-<version>.tgz`, `<release>/`, `<release>-<version>.tgz` in the directory).
Kustomize (`kustomize.Directory`): a local directory as is; a remote target is turned into the git
form the provider fetches, `https://<host>/<owner>/<repo>/tree/<ref>/<path>` (provider
invoke_kustomize.go -> pulumi gitutil `RetrieveGitFolder`, which resolves `tree/<ref>/<path>`).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import PlanError
from planner.model import Release


@dataclass(frozen=True)
class HelmChart:
    chart: str
    version: str
    repo: str | None = None  # None: the chart is an oci:// reference or a local path


def helm_chart(release: Release) -> HelmChart:
    """The Release arguments that locate a Helm release's chart."""
    how = release.how
    if how.kustomize:
        raise PlanError(f"release `{release.id}` is a kustomize release, not a Helm chart")
    return HelmChart(chart=how.location, version=how.version or release.version, repo=how.repo)


def is_kustomize(release: Release) -> bool:
    return release.how.kustomize


def kustomize_directory(release: Release) -> str:
    """The `directory` argument of kustomize.Directory for a kustomize release."""
    how = release.how
    if not how.kustomize:
        raise PlanError(f"release `{release.id}` is a Helm release, not kustomize")
    if how.local:
        return how.location
    return git_tree_url(how.location, how.ref or release.version)


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
