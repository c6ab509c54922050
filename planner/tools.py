"""Where stackplan finds the external programs it runs: helm, kubectl, and the test control plane's binaries.

Look-up order for a binary NAME (`find`): ``TEST_ASSET_<NAME>`` (upper-cased, non-alphanumerics as ``_``),
then ``$KUBEBUILDER_ASSETS/NAME``, then the newest build in the stackplan cache (``$STACKPLAN_TESTBIN_CACHE``
or ``~/.cache/stackplan/testbin``, which ``testbin/build.sh`` fills), then ``/usr/local/kubebuilder/bin``
(the envtest conventions). The tools `apply` runs (`find_tool`) come first from their override variable
(``STACKPLAN_HELM``, ``STACKPLAN_KUBECTL``), then from ``PATH``, then from those places.

A production module: `planner.engine` and `planner.sandbox` both read it (the sandbox never the other way round).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

HELM_ENV = "STACKPLAN_HELM"
KUBECTL_ENV = "STACKPLAN_KUBECTL"


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
    """Every place NAME may be, in look-up order (without PATH)."""
    out: list[Path] = []
    if env := os.environ.get(_env_name(name)):
        out.append(Path(env))
    if assets := os.environ.get("KUBEBUILDER_ASSETS"):
        out.append(Path(assets) / name)
    out.extend(d / name for d in _cache_dirs())
    out.append(Path("/usr/local/kubebuilder/bin") / name)
    return out


def find(name: str) -> Path | None:
    """The first existing file for NAME among `candidates` (binaries must be executable)."""
    for path in candidates(name):
        if path.is_file() and (name.endswith(".yaml") or os.access(path, os.X_OK)):
            return path.resolve()
    return None


def find_tool(name: str, override_env: str) -> str | None:
    """A tool the engine runs (helm, kubectl): $<override_env> if set (it must be an executable file), else
    NAME on PATH, else the places `stackplan sandbox` looks (see `candidates`)."""
    if env := os.environ.get(override_env):
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    found = shutil.which(name) or find(name)
    return str(found) if found else None


def find_helm() -> str | None:
    """The helm binary: $STACKPLAN_HELM, else `helm` on PATH, else the one `stackplan sandbox` uses."""
    return find_tool("helm", HELM_ENV)


def find_kubectl() -> str | None:
    """The kubectl binary: $STACKPLAN_KUBECTL, else `kubectl` on PATH, else the one `stackplan sandbox` uses."""
    return find_tool("kubectl", KUBECTL_ENV)
