"""Where each release's chart or manifests come from: repo, OCI, a local directory, or kustomize.

Resolved before anything touches the cluster, so a missing local chart is bad input (exit 2), not a
half-installed stack. Only the filesystem is read (Chart.yaml of local charts); no network.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError, MultipleErrors, StackplanError
from planner.model import Plan, Release, Source


@dataclass(frozen=True)
class ChartTarget:
    """A Helm chart reference as `helm upgrade --install NAME REF [--repo R] [--version V]` takes it."""

    ref: str  # chart name (with repo), oci://… reference, or a local path (directory or .tgz)
    repo: str | None = None
    version: str | None = None  # None for local charts: the file itself is the version
    local: bool = False

    def describe(self) -> str:
        out = self.ref
        if self.repo:
            out += f" --repo {self.repo}"
        if self.version:
            out += f" --version {self.version}"
        return out


@dataclass(frozen=True)
class KustomizeTarget:
    """A kustomization: a local directory or a remote kustomize URL (with `?ref=`)."""

    location: str
    local: bool = False

    def describe(self) -> str:
        return self.location


Target = ChartTarget | KustomizeTarget


def is_kustomize(source: Source) -> bool:
    """Kustomize sources: kind `kustomize`, or kind `local` without a chart (a mirrored manifests folder)."""
    return source.kind == "kustomize" or (source.kind == "local" and source.chart is None)


def _chart_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML

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
    data = YAML(typ="safe").load(text)
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


def find_local_chart(directory: Path, chart: str, version: str, release_id: str) -> Path:
    """The chart for a release in a local directory: `<chart>/`, `<release>/` or `<chart>-<version>.tgz`.

    The chart found must carry the pinned version (Helm ignores --version for local paths, so a stale
    copy would otherwise install silently). Raises InputError naming every path looked at.
    """
    names = list(dict.fromkeys([chart, release_id]))
    candidates: list[Path] = []
    for name in names:
        candidates.append(directory / name)
        candidates.append(directory / f"{name}-{version}.tgz")
    for path in candidates:
        is_dir_chart = path.is_dir() and (path / "Chart.yaml").is_file()
        if not is_dir_chart and not (path.is_file() and path.suffix == ".tgz"):
            continue
        meta = _chart_yaml(path)
        found = str(meta.get("version", ""))
        if found != version:
            raise InputError(
                f"release `{release_id}`: local chart {path} has version {found or '(none)'}, the plan pins {version}",
                hint=f"put {chart} {version} there (helm pull {chart} --version {version} on a connected machine)",
            )
        if path.is_dir():
            missing = _missing_dependencies(path, meta)
            if missing:
                raise InputError(
                    f"release `{release_id}`: local chart {path} lists dependencies missing from its charts/ "
                    f"folder: {', '.join(missing)}",
                    hint="run `helm dependency build` on a connected machine and copy the chart with its charts/",
                )
        return path
    looked = ", ".join(str(p) for p in candidates)
    raise InputError(
        f"release `{release_id}`: no chart `{chart}` {version} in {directory} (looked for {looked})",
        hint=f"copy it there, e.g. `helm pull <repo>/{chart} --version {version} -d {directory}`",
    )


def _kustomize_url(source: Source) -> str:
    loc = source.location
    if source.ref and "ref=" not in loc:
        loc += ("&" if "?" in loc else "?") + f"ref={source.ref}"
    return loc


def resolve_target(release: Release, chart_dir: Path | None = None) -> Target:
    """The install target of one release; `chart_dir` (--chart-dir) replaces every source with local ones."""
    src = release.source
    if is_kustomize(src):
        if chart_dir is not None:
            path = chart_dir / release.id
            if not (path / "kustomization.yaml").is_file() and not (path / "kustomization.yml").is_file():
                raise InputError(f"release `{release.id}`: no kustomization.yaml in {path}",
                                 hint=f"copy the release's manifests (a kustomize folder) to {path}")
            return KustomizeTarget(str(path.resolve()), local=True)
        if src.kind == "local":
            path = Path(src.location)
            if not path.is_dir():
                raise InputError(f"release `{release.id}`: kustomize folder {path} does not exist",
                                 hint="mirror.kustomize must hold one folder per kustomize release")
            return KustomizeTarget(str(path.resolve()), local=True)
        return KustomizeTarget(_kustomize_url(src))
    chart = src.chart or release.id
    if chart_dir is not None:
        return ChartTarget(str(find_local_chart(chart_dir, chart, release.version, release.id).resolve()), local=True)
    if src.kind == "local":
        found = find_local_chart(Path(src.location), chart, release.version, release.id)
        return ChartTarget(str(found.resolve()), local=True)
    if src.kind == "oci":
        return ChartTarget(src.location.rstrip("/"), version=release.version)  # the full oci:// chart ref
    if src.kind == "helm":
        return ChartTarget(chart, repo=src.location, version=release.version)
    raise InputError(f"release `{release.id}`: unknown source kind `{src.kind}`",
                     hint="a blueprint's source.kind is one of helm, oci, local, kustomize")


def resolve_targets(plan: Plan, chart_dir: Path | None = None) -> dict[str, Target]:
    """Every release's target; all problems reported together (MultipleErrors)."""
    if chart_dir is not None and not chart_dir.is_dir():
        raise InputError(f"--chart-dir {chart_dir}: not a directory")
    out: dict[str, Target] = {}
    errors: list[StackplanError] = []
    for release in plan.ordered():
        try:
            out[release.id] = resolve_target(release, chart_dir)
        except StackplanError as e:
            errors.append(e)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors)
    return out
