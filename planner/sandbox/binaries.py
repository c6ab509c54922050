"""Find the control-plane binaries, following the envtest conventions (the look-up lives in `planner.tools`).

Look-up order for a binary NAME: ``TEST_ASSET_<NAME>`` (upper-cased, non-alphanumerics as ``_``),
then ``$KUBEBUILDER_ASSETS/NAME``, then the newest build in the stackplan cache
(``$STACKPLAN_TESTBIN_CACHE`` or ``~/.cache/stackplan/testbin``), then ``/usr/local/kubebuilder/bin``.
"""

from __future__ import annotations

from pathlib import Path

from planner.tools import cache_root, candidates, find  # the look-up itself is production code

__all__ = ["BUILD_HINT", "CONTROL_PLANE", "STAGES_FILE", "TOOLS", "MissingBinariesError", "bin_dir", "cache_root",
           "candidates", "find", "resolve"]

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
