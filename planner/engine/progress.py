"""What a person sees during and after an apply: live progress (rich on a TTY, plain lines otherwise)
and a summary table. `summary_text` is pure, for tests and logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from planner.engine.state import ApplyResult, ReleaseState

_STYLE = {
    ReleaseState.PENDING: "dim", ReleaseState.INSTALLING: "cyan", ReleaseState.READY: "green",
    ReleaseState.SKIPPED: "blue", ReleaseState.FAILED: "bold red",
}


def elapsed(seconds: float) -> str:
    """90.2 -> "1m30s"; 5.4 -> "5s"."""
    m, sec = divmod(int(seconds), 60)
    return f"{m}m{sec:02d}s" if m else f"{sec}s"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _done_text(state: ReleaseState, detail: str) -> str:
    if state is ReleaseState.SKIPPED and detail.startswith("up to date"):
        return detail  # "up to date (revision 3)"
    return f"{state.value}: {detail}" if detail else state.value


class LineProgress:
    """One line per real change, for logs and CI: an install when helm/kubectl start it (a release found
    up to date prints only `up to date`), a `still installing` line every `every` seconds, the outcome."""

    def __init__(self, waves: dict[str, int], stream: TextIO | None = None, every: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.waves = waves
        self.stream = stream or sys.stdout
        self.every = every
        self.clock = clock
        self.running: dict[str, tuple[float, str, float]] = {}  # release -> (started, what, next note)

    def _print(self, release: str, text: str) -> None:
        print(f"[wave {self.waves.get(release, '?')}] {release} {text}", file=self.stream, flush=True)

    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        if state is ReleaseState.INSTALLING or (state is ReleaseState.PENDING and not detail):
            return  # the engine checks the release first; `started` says when an install really begins
        self.running.pop(release, None)
        self._print(release, _done_text(state, detail))

    def started(self, release: str, what: str) -> None:
        now = self.clock()
        self.running[release] = (now, what, now + self.every)
        self._print(release, what)

    def tick(self) -> None:
        now = self.clock()
        for release, (start, what, due) in list(self.running.items()):
            if now >= due:
                self.running[release] = (start, what, due + self.every)
                self._print(release, f"still waiting after {elapsed(now - start)}: {what}")


class RichProgress:
    """A live table, one row per release, refreshed 4 times a second (use as a context manager)."""

    def __init__(self, waves: dict[str, int], clock: Callable[[], float] = time.monotonic) -> None:
        from rich.console import Console
        from rich.live import Live

        self.waves = waves
        self.clock = clock
        self.rows: dict[str, tuple[ReleaseState, str]] = {r: (ReleaseState.PENDING, "") for r in waves}
        self.since: dict[str, float] = {}
        self.live = Live(console=Console(), refresh_per_second=4, transient=True, get_renderable=self._table)

    def _table(self):
        from rich.table import Table

        table = Table(header_style="bold", expand=False)
        for col in ("wave", "release", "state", "time", "detail"):
            table.add_column(col, overflow="fold")
        now = self.clock()
        for rid, (state, detail) in self.rows.items():
            label = state.value if state is not ReleaseState.INSTALLING or rid in self.since else "checking"
            if state is ReleaseState.SKIPPED and detail.startswith("up to date"):
                label = "up to date"
            took = elapsed(now - self.since[rid]) if rid in self.since and state is ReleaseState.INSTALLING else ""
            table.add_row(str(self.waves.get(rid, "?")), rid, f"[{_STYLE[state]}]{label}[/]", took, detail)
        return table

    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        if state is ReleaseState.INSTALLING and release in self.since:
            detail = self.rows[release][1]  # keep what `started` said it waits for
        self.rows[release] = (state, detail)
        if state is not ReleaseState.INSTALLING:
            self.since.pop(release, None)

    def started(self, release: str, what: str) -> None:
        self.since[release] = self.clock()
        self.rows[release] = (ReleaseState.INSTALLING, what)

    def tick(self) -> None:
        """Nothing to do: the live display re-renders (elapsed times included) on its own."""

    def __enter__(self) -> RichProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)  # type: ignore[arg-type]


def headline(result: ApplyResult) -> str:
    counts: dict[str, int] = {}
    for o in result.outcomes:
        counts[o.state.value] = counts.get(o.state.value, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    if result.ok:
        crs = sum("/" in o.release for o in result.outcomes)  # custom resource rows are Kind/[ns/]name
        extra = f" and {plural(crs, 'custom resource')}" if crs else ""
        return (f"applied {plural(len(result.outcomes) - crs, 'release')}{extra} in "
                f"{plural(result.waves_total, 'wave')}: {parts}")
    lines = [f"apply failed in wave {result.failed_wave} of {result.waves_total}: {parts}"]
    for o in result.failed:
        lines.append(f"  {'' if '/' in o.release else 'release '}{o.release} failed: {o.detail}")
    if result.failed_wave is not None and result.failed_wave < result.waves_total:
        first, last = result.failed_wave + 1, result.waves_total
        lines.append(f"  wave {first} was not started" if first == last else f"  waves {first}-{last} were not started")
    lines.append("  fix the cause and run `stackplan apply` again: releases already up to date are skipped")
    return "\n".join(lines)


def summary_text(result: ApplyResult) -> str:
    """A plain-text table of every release's outcome, then the headline."""
    rows = [("wave", "release", "state", "time", "detail")]
    rows += [(str(o.wave), o.release, o.state.value, f"{o.seconds:.1f}s" if o.seconds else "-", o.detail)
             for o in result.outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n" + headline(result)


def print_summary_rich(result: ApplyResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="stackplan apply", header_style="bold")
    for col in ("wave", "release", "state", "time", "detail"):
        table.add_column(col, overflow="fold")
    for o in result.outcomes:
        table.add_row(str(o.wave), o.release, f"[{_STYLE[o.state]}]{o.state.value}[/]",
                      f"{o.seconds:.1f}s" if o.seconds else "-", o.detail)
    console.print(table)
    console.print(headline(result), style="green" if result.ok else "red", highlight=False)


def summary_dict(result: ApplyResult) -> dict:
    """The summary as data (`stackplan apply --output json`)."""
    return {
        "ok": result.ok,
        "exitCode": result.exit_code(),
        "wavesRun": result.waves_run,
        "wavesTotal": result.waves_total,
        "failedWave": result.failed_wave,
        "releases": [{"release": o.release, "wave": o.wave, "state": o.state.value, "detail": o.detail,
                      "seconds": o.seconds} for o in result.outcomes],
        "notes": list(result.notes),
        "summary": headline(result),
    }
