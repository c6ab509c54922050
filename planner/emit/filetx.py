"""All-or-nothing writes of a few files into one directory tree (the filesystem edge of `stackplan init`).

1. `preflight`: every target path is checked before anything is written — each existing ancestor is a
   directory we may write into, each target is a regular file or absent. Problems are InputError (exit 2).
2. `commit`: missing directories are created, every file is written to a temp file beside its target,
   then the temp files are renamed over the targets one by one, each old file kept as a backup first.
   If anything fails, the renames done so far are undone from the backups, new files and directories
   are removed, and InputError says what failed: the tree is as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from planner.errors import InputError


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def _writable_dir(d: Path, needed_for: Path) -> None:
    if not d.is_dir():
        raise InputError(f"{d} is not a directory, so {needed_for} cannot be written",
                         hint="pass --dir with a directory path (or move that file aside)")
    if not os.access(d, os.W_OK | os.X_OK):
        raise InputError(f"{d} is not writable, so {needed_for} cannot be written",
                         hint="choose a directory you can write to with --dir, or fix its permissions")


def preflight(root: Path, rels: Sequence[str]) -> None:
    """Check that every `root/rel` can be written; InputError naming the first path that cannot."""
    for rel in rels:
        path = root / rel
        try:
            st = path.lstat()
        except FileNotFoundError:
            st = None
        except NotADirectoryError:  # an ancestor is a file: found below
            st = None
        except OSError as e:
            raise InputError(f"{path}: {_why(e)}") from e
        if st is not None and not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise InputError(f"{path} is {kind}; init writes a file there, so nothing was written",
                             hint=f"move {path} aside and run init again")
        # the nearest existing ancestor must be a writable directory; nothing between it and the file may exist
        d = path.parent
        while True:
            try:
                d.lstat()
                break
            except (FileNotFoundError, NotADirectoryError):
                if d.parent == d:
                    break
                d = d.parent
            except OSError as e:
                raise InputError(f"{d}: {_why(e)}") from e
        _writable_dir(d, path)


@dataclass
class _Undo:
    renamed: list[tuple[Path, Path | None]] = field(default_factory=list)  # (target, backup or None if new)
    temps: list[Path] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)  # created by us, deepest last

    def rollback(self) -> None:
        for target, backup in reversed(self.renamed):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink()
                else:
                    os.replace(backup, target)
                    backup.unlink(missing_ok=True)  # rename(2) is a no-op when both are links to one file
        for tmp in self.temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for d in reversed(self.dirs):
            with contextlib.suppress(OSError):
                d.rmdir()

    def done(self) -> None:
        for _, backup in self.renamed:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would give it."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _mkdirs(d: Path, undo: _Undo) -> None:
    missing = []
    while not d.exists():
        missing.append(d)
        d = d.parent
    for m in reversed(missing):
        m.mkdir()
        undo.dirs.append(m)


def _temp(path: Path, data: bytes, undo: _Undo) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    undo.temps.append(tmp)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; project files are ordinary files
    return tmp


def _backup(path: Path) -> Path | None:
    if not path.exists():
        return None
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bak")
    os.close(fd)
    os.unlink(name)
    try:
        os.link(path, name)  # the old file stays in place until the rename replaces it
    except OSError:
        shutil.copy2(path, name)
    return Path(name)


def commit(root: Path, files: Sequence[tuple[str, bytes]]) -> None:
    """Write every (relative path, bytes) under `root`, in order, all or nothing."""
    preflight(root, [rel for rel, _ in files])
    undo = _Undo()
    current = root
    try:
        staged = []
        for rel, data in files:
            current = root / rel
            _mkdirs(current.parent, undo)
            staged.append((current, _temp(current, data, undo)))
        for path, tmp in staged:
            current = path
            backup = _backup(path)
            undo.renamed.append((path, backup))
            os.replace(tmp, path)
            undo.temps.remove(tmp)
    except OSError as e:
        undo.rollback()
        raise InputError(f"cannot write {current}: {_why(e)}; nothing was changed",
                         hint="check the directory (permissions, free space, a read-only filesystem) "
                              "and run init again") from e
    except BaseException:
        undo.rollback()
        raise
    undo.done()
