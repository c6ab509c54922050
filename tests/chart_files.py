"""Minimal Helm charts on disk for tests that look charts up (directories and .tgz archives)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def chart_dir(root: Path, dirname: str, name: str, version: str, deps: str = "") -> Path:
    """`root/dirname/Chart.yaml` naming chart `name` at `version` (plus `deps`, a Chart.yaml fragment)."""
    d = root / dirname
    (d / "templates").mkdir(parents=True, exist_ok=True)
    (d / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n{deps}")
    return d


def chart_tgz(root: Path, name: str, version: str) -> Path:
    """`root/<name>-<version>.tgz` as `helm package` lays it out (`<name>/Chart.yaml` inside)."""
    path = root / f"{name}-{version}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        data = f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path
