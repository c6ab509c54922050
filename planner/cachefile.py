"""Best-effort cache files under ~/.cache/stackplan: written atomically, readable only by the user.

A cache that cannot be written only costs time on the next run, so failures are swallowed here (and no
temporary file is left behind).
"""

from __future__ import annotations

import contextlib
import os


def write_cache_file(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` via a temp file in the same directory and a rename; ignore OSError."""
    import tempfile  # only when writing: reading a warm cache is the common case (benchmarks/plan_speed.py)

    directory, name = os.path.split(os.fspath(path))
    directory = directory or "."
    tmp: str | None = None
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)  # the mode applies to the last directory only
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
