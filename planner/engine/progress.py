"""What a person sees during and after an apply: live progress (rich on a TTY, plain lines otherwise)
and a summary table. `summary_text` is pure, for tests and logs."""

from __future__ import annotations

import sys
from typing import TextIO

from planner.engine.state import ApplyResult, ReleaseState

_STYLE = {
    ReleaseState.PENDING: "dim", ReleaseState.INSTALLING: "cyan", ReleaseState.READY: "green",
    ReleaseState.SKIPPED: "blue", ReleaseState.FAILED: "bold red",
}


class LineProgress:
    """One line per state change (not the initial `pending`), for logs and CI."""

    def __init__(self, waves: dict[str, int], stream: TextIO | None = None) -> None:
        self.waves = waves
        self.stream = stream or sys.stdout

    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        if state is ReleaseState.PENDING and not detail:
            return
        tail = f": {detail}" if detail else ""
        print(f"[wave {self.waves.get(release, '?')}] {release} {state.value}{tail}", file=self.stream, flush=True)


class RichProgress:
    """A live table, one row per release (use as a context manager)."""

    def __init__(self, waves: dict[str, int]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.waves = waves
        self.rows: dict[str, tuple[ReleaseState, str]] = {r: (ReleaseState.PENDING, "") for r in waves}
        self.live = Live(self._table(), console=Console(), refresh_per_second=8, transient=True)

    def _table(self):
        from rich.table import Table

        table = Table(header_style="bold", expand=False)
        for col in ("wave", "release", "state", "detail"):
            table.add_column(col, overflow="fold")
        for rid, (state, detail) in self.rows.items():
            table.add_row(str(self.waves[rid]), rid, f"[{_STYLE[state]}]{state.value}[/]", detail)
        return table

    def update(self, release: str, state: ReleaseState, detail: str = "") -> None:
        self.rows[release] = (state, detail)
        self.live.update(self._table())

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
        extra = f" and {crs} custom resources" if crs else ""
        return f"applied {len(result.outcomes) - crs} releases{extra} in {result.waves_total} waves: {parts}"
    lines = [f"apply failed in wave {result.failed_wave} of {result.waves_total}: {parts}"]
    for o in result.failed:
        lines.append(f"  {'' if '/' in o.release else 'release '}{o.release} failed: {o.detail}")
    if result.failed_wave is not None and result.failed_wave < result.waves_total:
        lines.append(f"  waves {result.failed_wave + 1}-{result.waves_total} were not started")
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
