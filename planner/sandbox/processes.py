"""Start processes in their own process groups, record them, and stop them again."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    """One started component: its pid (= process group id) and the binary it runs."""

    name: str
    pid: int
    binary: str

    def alive(self) -> bool:
        """True while the recorded process still runs the recorded binary (guards pid reuse)."""
        try:
            exe = os.readlink(f"/proc/{self.pid}/exe")
        except OSError:
            return False
        if exe.removesuffix(" (deleted)") != self.binary:
            return False
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except OSError:
            return False
        return state != "Z"

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


_CHILDREN: dict[int, subprocess.Popen] = {}


def _die_with_parent() -> None:  # runs in the child between fork and exec
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def start(name: str, argv: list[str], log_dir: Path, parent_death: bool = False) -> Proc:
    """Run ``argv`` in a new session; stdout/stderr go to ``<log_dir>/<name>.log``.

    With ``parent_death`` the kernel kills the child when this process dies, even by SIGKILL.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{name}.log", "ab") as log:
        p = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
            preexec_fn=_die_with_parent if parent_death else None,
        )
    _CHILDREN[p.pid] = p  # kept so that exit codes can be read and zombies reaped
    return Proc(name, p.pid, str(Path(argv[0]).resolve()))


def _reap() -> None:
    for p in _CHILDREN.values():
        p.poll()  # collects exited children so that they do not linger as zombies


def exit_code(proc: Proc) -> int | None:
    """The exit code if the process is our child and has exited, else None."""
    p = _CHILDREN.get(proc.pid)
    return p.poll() if p else None


def group_running(pgid: int) -> bool:
    """True while some process of group ``pgid`` runs; exited ones waiting to be reaped (zombies) do not count.

    Detached components are reaped by PID 1, which may take seconds (a container's init polls): waiting
    for the group to vanish from ``killpg(pgid, 0)`` made ``sandbox down`` wait for the reaper, not the
    components.
    """
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _stop_together(procs: list[Proc], timeout: float) -> None:
    """SIGTERM every group at once, wait for all of them together, SIGKILL what is left at the deadline."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    left = list(procs)
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        _reap()
        left = [p for p in left if group_running(p.pid)]
        if left:
            time.sleep(0.02)
    for proc in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    for proc in procs:
        p = _CHILDREN.pop(proc.pid, None)
        if p is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=5)


def stop(procs: list[Proc], timeout: float = 10.0) -> None:
    """Stop the process groups: all but etcd together, then etcd (so kube-apiserver shuts down while etcd
    still answers). Each phase: SIGTERM, wait up to ``timeout``, then SIGKILL."""
    live = [p for p in procs if p.pid in _CHILDREN or p.alive()]
    first = [p for p in live if p.name != "etcd"]
    last = [p for p in live if p.name == "etcd"]
    for phase in (first, last):
        if phase:
            _stop_together(phase, timeout)


def port_taken(port: int) -> bool:
    """Whether something listens on (or holds) 127.0.0.1:PORT right now."""
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
