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
    as `https://<host>/<owner>/<repo>/tree/<ref>/<path>` (the URL forms: planner/kustomize_remote.py)."""
    from planner.kustomize_remote import parse_remote

    t = parse_remote(target.split("?", 1)[0])
    tail = f"/{t.path}" if t.path else ""
    return f"https://{t.host}/{t.owner}/{t.repo}/tree/{ref}{tail}"
