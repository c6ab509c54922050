"""Best-effort cache files under ~/.cache/stackplan: written atomically, readable only by the user.

A cache that cannot be written only costs time on the next run, so failures are swallowed here (and no
temporary file is left behind).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_cache_file(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file in the same directory and a rename; ignore OSError."""
    import tempfile  # only when writing: reading a warm cache is the common case (benchmarks/plan_speed.py)

    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
