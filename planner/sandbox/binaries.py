"""Find the control-plane binaries, following the envtest conventions.

Look-up order for a binary NAME: ``TEST_ASSET_<NAME>`` (upper-cased, non-alphanumerics as ``_``),
then ``$KUBEBUILDER_ASSETS/NAME``, then the newest build in the stackplan cache
(``$STACKPLAN_TESTBIN_CACHE`` or ``~/.cache/stackplan/testbin``), then ``/usr/local/kubebuilder/bin``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
TOOLS = ("helm", "kubectl")
STAGES_FILE = "kwok-stages.yaml"
BUILD_HINT = (
    "build them with `bash testbin/build.sh` (from the stackplan repository; it prints the bin "
    "directory) and set KUBEBUILDER_ASSETS to that directory, or point KUBEBUILDER_ASSETS / "
    "TEST_ASSET_<NAME> at binaries you already have"
)


class MissingBinariesError(Exception):
    """Some binaries could not be found."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(f"missing control-plane binaries: {', '.join(missing)}")


def cache_root() -> Path:
    """The directory that testbin/build.sh builds into."""
    env = os.environ.get("STACKPLAN_TESTBIN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "stackplan" / "testbin"


def _env_name(name: str) -> str:
    return "TEST_ASSET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _cache_dirs() -> list[Path]:
    root = cache_root()
    if not root.is_dir():
        return []
    dirs = [d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")]
    return sorted(dirs, key=lambda d: d.stat().st_mtime, reverse=True)


def candidates(name: str) -> list[Path]:
    """Every place NAME may be, in look-up order."""
    out: list[Path] = []
    if env := os.environ.get(_env_name(name)):
        out.append(Path(env))
    if assets := os.environ.get("KUBEBUILDER_ASSETS"):
        out.append(Path(assets) / name)
    out.extend(d / name for d in _cache_dirs())
    out.append(Path("/usr/local/kubebuilder/bin") / name)
    return out


def find(name: str) -> Path | None:
    """The first existing file for NAME (binaries must be executable)."""
    for path in candidates(name):
        if path.is_file() and (name.endswith(".yaml") or os.access(path, os.X_OK)):
            return path.resolve()
    return None


def find_tool(name: str, override_env: str) -> str | None:
    """A tool the engine runs (helm, kubectl): $<override_env> if set (it must be an executable file), else
    NAME on PATH, else the places `stackplan sandbox` looks (see `candidates`)."""
    import shutil

    if env := os.environ.get(override_env):
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    found = shutil.which(name) or find(name)
    return str(found) if found else None


def resolve(names: tuple[str, ...] = (*CONTROL_PLANE, STAGES_FILE)) -> dict[str, Path]:
    """Map each name to its path, or raise MissingBinariesError naming all that are missing."""
    found = {n: find(n) for n in names}
    missing = [n for n, p in found.items() if p is None]
    if STAGES_FILE in missing and found.get("kwok"):
        sibling = found["kwok"].parent / STAGES_FILE  # type: ignore[union-attr]
        if sibling.is_file():
            found[STAGES_FILE] = sibling
            missing.remove(STAGES_FILE)
    if missing:
        raise MissingBinariesError(missing)
    return {n: p for n, p in found.items() if p is not None}


def bin_dir() -> Path | None:
    """A directory holding the whole control plane plus helm and kubectl, if there is one."""
    try:
        paths = resolve((*CONTROL_PLANE, *TOOLS))
    except MissingBinariesError:
        return None
    dirs = {p.parent for p in paths.values()}
    return dirs.pop() if len(dirs) == 1 else None
