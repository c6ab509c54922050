"""The install targets of `apply`: the plan's `Release.install` (decided by resolve, planner/install.py) in the
form helm and kubectl take, with local charts and kustomize folders checked.

Checked before anything touches the cluster, so a missing or stale local chart is bad input (exit 2), not a
half-installed stack. Only the filesystem is read (Chart.yaml of local charts); no network.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError, MultipleErrors, StackplanError
from planner.model import Plan, Release


@dataclass(frozen=True)
class ChartTarget:
    """A Helm chart reference as `helm upgrade --install NAME REF [--repo R] [--version V]` takes it."""

    ref: str  # chart name (with repo), oci://… reference, or a local path (directory or .tgz)
    repo: str | None = None
    version: str | None = None  # None for local charts: the file itself is the version
    local: bool = False

    def describe(self) -> str:
        from planner.install import chart_text

        return chart_text(self.ref, self.repo, self.version)


@dataclass(frozen=True)
class KustomizeTarget:
    """A kustomization: a local directory or a remote kustomize URL (with `?ref=`)."""

    location: str
    local: bool = False

    def describe(self) -> str:
        return self.location


Target = ChartTarget | KustomizeTarget


def _chart_yaml(path: Path) -> dict:
    from planner.yamlio import load

    text: str
    if path.is_dir():
        text = (path / "Chart.yaml").read_text(encoding="utf-8")
    else:
        with tarfile.open(path) as tar:
            member = next((m for m in tar.getmembers() if m.name.count("/") == 1
                           and m.name.endswith("/Chart.yaml")), None)
            if member is None:
                raise InputError(f"{path} is not a Helm chart archive (no <chart>/Chart.yaml inside)")
            extracted = tar.extractfile(member)
            text = extracted.read().decode("utf-8") if extracted else ""
    data = load(text)
    return data if isinstance(data, dict) else {}


def _missing_dependencies(chart_dir: Path, meta: dict) -> list[str]:
    """Dependencies declared in Chart.yaml but absent from charts/ (air-gapped installs need them vendored)."""
    missing = []
    for dep in meta.get("dependencies") or []:
        name = str(dep.get("name", ""))
        if not name or str(dep.get("repository", "")).startswith("file://"):
            continue
        vendored = chart_dir / "charts"
        if not ((vendored / name).is_dir() or any(vendored.glob(f"{name}-*.tgz"))):
            missing.append(name)
    return missing


def check_local_chart(release: Release) -> Path:
    """The local chart the plan decided on (`Release.install`), checked: it exists, carries the pinned version
    (Helm ignores --version for local paths, so a stale copy would otherwise install silently) and, as a
    directory, has its dependencies vendored. Raises InputError naming every path looked at."""
    from planner.install import local_chart_candidates

    path = Path(release.how.location)
    chart = release.source.chart or release.id
    version = release.version
    is_dir_chart = path.is_dir() and (path / "Chart.yaml").is_file()
    if not is_dir_chart and not (path.is_file() and path.suffix == ".tgz"):
        directory = str(path.parent)
        looked = ", ".join(local_chart_candidates(directory, chart, version, release.id))
        raise InputError(
            f"release `{release.id}`: no chart `{chart}` {version} in {directory} (looked for {looked})",
            hint=f"copy it there, e.g. `helm pull <repo>/{chart} --version {version} -d {directory}`",
        )
    meta = _chart_yaml(path)
    found = str(meta.get("version", ""))
    if found != version:
        raise InputError(
            f"release `{release.id}`: local chart {path} has version {found or '(none)'}, the plan pins {version}",
            hint=f"put {chart} {version} there (helm pull {chart} --version {version} on a connected machine)",
        )
    if path.is_dir():
        missing = _missing_dependencies(path, meta)
        if missing:
            raise InputError(
                f"release `{release.id}`: local chart {path} lists dependencies missing from its charts/ "
                f"folder: {', '.join(missing)}",
                hint="run `helm dependency build` on a connected machine and copy the chart with its charts/",
            )
    return path


def resolve_target(release: Release) -> Target:
    """The install target of one release, as the plan decided it (`Release.install`); local paths checked."""
    how = release.how
    if how.kustomize:
        if how.local:
            path = Path(how.location)
            if not (path / "kustomization.yaml").is_file() and not (path / "kustomization.yml").is_file():
                raise InputError(f"release `{release.id}`: no kustomization.yaml in {path}",
                                 hint=f"copy the release's manifests (a kustomize folder) to {path}")
            return KustomizeTarget(str(path.resolve()), local=True)
        return KustomizeTarget(how.kustomize_url())
    if how.local:
        return ChartTarget(str(check_local_chart(release).resolve()), local=True)
    return ChartTarget(how.location, repo=how.repo, version=how.version)


def resolve_targets(plan: Plan) -> dict[str, Target]:
    """Every release's target; all problems reported together (MultipleErrors)."""
    out: dict[str, Target] = {}
    errors: list[StackplanError] = []
    for release in plan.ordered():
        try:
            out[release.id] = resolve_target(release)
        except StackplanError as e:
            errors.append(e)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors)
    return out
