"""How each release is installed, decided once by `resolve` and carried by the Plan (`Release.install`).

The Pulumi program (planner/emit), `apply` (planner/engine), `check` and `drift` read `Release.install`;
none of them looks at `Release.source` to work out how a release is installed.

- `method: helm`: `location` is what `helm upgrade NAME CHART` takes — a chart name with `repo`, a full
  `oci://` reference, or a local path (a chart directory or a `.tgz`, with `local: true` and no `version`:
  the file itself is the version);
- `method: kustomize`: `location` is a local directory (`local: true`) or a remote kustomize target with
  its git `ref`.

A local chart directory (a `mirror.charts` directory, or `apply --chart-dir`) is searched once, here, for
`<chart>/`, `<chart>-<version>.tgz`, `<release>/`, `<release>-<version>.tgz` (the first that exists wins);
kustomize manifests in a local directory are `<dir>/<release>/`. Only `find_local_chart` and
`find_local_kustomization` read the filesystem; resolve takes the first as a parameter (tests pass their own).

verify-charts also finds a remote kustomize target in a local directory without a `<release>/` folder: a copy
of its repository at its ref, `<dir>/<host>/<owner>/<repo>@<ref>/<path>` (planner/kustomize_remote.py), the
layout remote bases are mapped into (planner/engine/kustomize_build.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from planner.model import JSON, Source
from planner.record import Record

if TYPE_CHECKING:
    from pathlib import Path  # not imported at run time: a warm `plan` loads no pathlib (tests/unit/test_layers.py)

HELM = "helm"
KUSTOMIZE = "kustomize"
ChartFinder = Callable[[str, str, str, str], "str | None"]  # (directory, chart, version, release id) -> path


class Install(Record):
    method: str  # helm | kustomize
    location: str
    repo: str | None = None  # helm: the repository URL of a chart given by name
    version: str | None = None  # helm --version; None for local charts
    ref: str | None = None  # kustomize: the git ref of a remote target
    local: bool = False  # a path on this machine

    @property
    def kustomize(self) -> bool:
        return self.method == KUSTOMIZE

    def kustomize_url(self) -> str:
        """A remote kustomize target as kubectl takes it (`…?ref=<ref>`), or the local directory."""
        loc = self.location
        if self.ref and not self.local and "ref=" not in loc:
            loc += ("&" if "?" in loc else "?") + f"ref={self.ref}"
        return loc

    def describe(self) -> str:
        """One line: the chart as helm takes it, or the kustomize target."""
        return self.kustomize_url() if self.kustomize else chart_text(self.location, self.repo, self.version)

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"method": self.method, "location": self.location}
        for key, value in (("repo", self.repo), ("version", self.version), ("ref", self.ref)):
            if value is not None:
                out[key] = value
        if self.local:
            out["local"] = True
        return out


def chart_text(ref: str, repo: str | None, version: str | None) -> str:
    """A chart as `helm upgrade NAME <this>` takes it: `ref [--repo R] [--version V]`."""
    return ref + (f" --repo {repo}" if repo else "") + (f" --version {version}" if version else "")


def is_kustomize_source(source: Source) -> bool:
    """Kustomize sources: kind `kustomize`, or kind `local` without a chart (a mirrored manifests folder)."""
    return source.kind == KUSTOMIZE or (source.kind == "local" and source.chart is None)


def local_chart_candidates(directory: str, chart: str, version: str, release_id: str) -> list[str]:
    """The paths looked at for a release's chart in a local directory, in order."""
    base = directory.rstrip("/") or "/"
    out: list[str] = []
    for name in dict.fromkeys([chart, release_id]):
        out += [f"{base}/{name}", f"{base}/{name}-{version}.tgz"]
    return out


def find_local_chart(directory: str, chart: str, version: str, release_id: str) -> str | None:
    """The first candidate that is a chart directory (with Chart.yaml) or a .tgz file; None when none is."""
    from pathlib import Path

    for cand in local_chart_candidates(directory, chart, version, release_id):
        p = Path(cand)
        if (p.is_dir() and (p / "Chart.yaml").is_file()) or (p.is_file() and p.suffix == ".tgz"):
            return str(p.resolve())
    return None


KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")  # the names kustomize reads


def kustomization_file(directory: Path) -> Path | None:
    return next((directory / n for n in KUSTOMIZATION_FILES if (directory / n).is_file()), None)


def local_kustomization_candidates(directory: str, release_id: str, how: Install) -> list[str]:
    """The directories looked at for a kustomize release in a local directory, in order: the release's own folder
    (as `apply --chart-dir` and `mirror.kustomize` read it), then the upstream target in a copy of its repository."""
    from planner.kustomize_remote import parse_remote

    base = directory.rstrip("/") or "/"
    out = [f"{base}/{release_id}"]
    if how.kustomize and not how.local:
        out.append(f"{base}/{parse_remote(how.location, how.ref).local_path()}")
    return out


def find_local_kustomization(directory: str, release_id: str, how: Install) -> str | None:
    """The first candidate that holds a kustomization file; None when none does."""
    from pathlib import Path

    for cand in local_kustomization_candidates(directory, release_id, how):
        if Path(cand).is_dir() and kustomization_file(Path(cand)) is not None:
            return str(Path(cand).resolve())
    return None


def install_for(release_id: str, source: Source, version: str, *, local_dir: str | None = None,
                find: ChartFinder | None = find_local_chart) -> Install:
    """How `release_id` is installed from `source` (already rewritten by the mirror); `local_dir` (apply
    --chart-dir) takes every release from one local directory instead. `find=None` never reads the disk
    (a local chart is then `<dir>/<chart>`)."""
    chart = source.chart or release_id
    if is_kustomize_source(source):
        if local_dir is not None:
            return Install(KUSTOMIZE, _abs(f"{local_dir.rstrip('/')}/{release_id}"), local=True)
        if source.kind == "local":
            return Install(KUSTOMIZE, _abs(source.location), local=True)
        return Install(KUSTOMIZE, source.location, ref=source.ref or version)
    if local_dir is not None or source.kind == "local":
        directory = local_dir if local_dir is not None else source.location
        found = find(directory, chart, version, release_id) if find else None
        return Install(HELM, found or _abs(f"{directory.rstrip('/')}/{chart}"), local=True)
    if source.kind == "oci":
        return Install(HELM, source.location.rstrip("/"), version=version)
    return Install(HELM, chart, repo=source.location, version=version)


def _abs(path: str) -> str:
    from pathlib import Path

    return str(Path(path).expanduser().absolute()) if not path.startswith("/") else path
