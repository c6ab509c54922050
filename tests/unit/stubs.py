"""Recording stub executables: each appends its argv (one JSON list per line) to <dir>/<name>.calls."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

_TEMPLATE = """#!{python}
import json, sys
with open({calls!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
{body}
"""


def stub(bin_dir: Path, name: str, body: str = "sys.exit(0)") -> Path:
    """Write an executable `name` that records its arguments, then runs `body` (Python, `args` in scope)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(_TEMPLATE.format(python=sys.executable, calls=str(bin_dir / f"{name}.calls"), body=body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def calls(bin_dir: Path, name: str) -> list[list[str]]:
    f = bin_dir / f"{name}.calls"
    return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


def only_path(bin_dir: Path) -> str:
    """A PATH holding the stubs and nothing that could be a real helm/kubectl/kind/docker."""
    return os.pathsep.join([str(bin_dir), "/nonexistent"])


HELM_VERSION = 'if args[:1] == ["version"]:\n    sys.stdout.write("v3.22.0"); sys.exit(0)\n'
