"""`stackplan init --vendor`: a wheel of the running stackplan, built in-process, offline and reproducibly.

The wheel holds what the regular wheel (hatch, pyproject.toml) holds: the `planner` package and the
catalog under `planner/_data/` (blueprints, stacks, schemas). Its metadata comes from pyproject.toml
when stackplan runs from a source tree, else from the installed distribution. Entries are sorted and
time-stamped 1980-01-01, so the same stackplan gives the same bytes (a re-run of init changes nothing).
No build backend, no network: a wheel is a zip with a `.dist-info` (PEP 427, PEP 376 RECORD).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from planner.emit.origin import source_root
from planner.emit.requirement import DIST
from planner.errors import InputError

DATA_DIRS = ("blueprints", "stacks", "schemas")  # pyproject.toml: force-include into planner/_data/
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")


def _package_files() -> Iterator[tuple[str, Path]]:
    """(path inside the wheel, file) for the planner package and its catalog data."""
    import planner

    package = Path(planner.__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(_SKIP_SUFFIXES):
            yield f"planner/{path.relative_to(package).as_posix()}", path
    if not (package / "_data").is_dir():  # a source tree: the catalog sits beside the package
        root = package.parent
        for name in DATA_DIRS:
            for path in sorted((root / name).rglob("*")):
                if path.is_file():
                    yield f"planner/_data/{name}/{path.relative_to(root / name).as_posix()}", path


def _requires(spec: str, extra: str | None) -> str:
    return f"Requires-Dist: {spec}" + (f'; extra == "{extra}"' if extra else "")


def _metadata_from_pyproject(root: Path) -> tuple[str, str, str]:
    """(version, METADATA, entry_points.txt) from the source tree's pyproject.toml."""
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if isinstance(project.get("license"), str):
        lines.append(f"License: {project['license']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [_requires(dep, None) for dep in project.get("dependencies", [])]
    for extra, deps in sorted((project.get("optional-dependencies") or {}).items()):
        lines.append(f"Provides-Extra: {extra}")
        lines += [_requires(dep, extra) for dep in deps]
    scripts = project.get("scripts") or {}
    entry = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in sorted(scripts.items())) if scripts else ""
    return str(project["version"]), "\n".join(lines) + "\n", entry


def _metadata_installed() -> tuple[str, str, str]:
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError as e:
        raise InputError("--vendor: this stackplan is neither a source tree nor an installed distribution",
                         hint="install stackplan (pip install <its source>) and run init again") from e
    return dist.version, dist.read_text("METADATA") or "", dist.read_text("entry_points.txt") or ""


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel() -> tuple[str, bytes]:
    """(file name, bytes) of a wheel of the running stackplan: `stackplan-<version>-py3-none-any.whl`."""
    root = source_root()
    version, meta, entry_points = _metadata_from_pyproject(root) if root else _metadata_installed()
    info = f"{DIST}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [(arcname, path.read_bytes()) for arcname, path in _package_files()]
    if not any(name.startswith("planner/_data/blueprints/") for name, _ in entries):
        raise InputError("--vendor: the catalog (blueprints/) was not found beside the planner package",
                         hint="run init from a complete stackplan source tree or installation")
    entries.append((f"{info}/METADATA", meta.encode()))
    entries.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: stackplan init --vendor\n"
                                     b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    if entry_points:
        entries.append((f"{info}/entry_points.txt", entry_points.encode()))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries) + f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, _EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return f"{DIST}-{version}-py3-none-any.whl", buf.getvalue()
