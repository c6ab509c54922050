"""Every error a user can see. Each carries its subject and, where possible, how to fix it.

Exit codes follow the linters' convention (see design.md): 2 for bad input or usage,
3 when the cluster or another outside service cannot be reached at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner.record import Record


class Location(Record):
    """Where in a file a problem is: path, 1-based line and column, and the key path (JSON pointer)."""

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class StackplanError(Exception):
    """Base of every error stackplan reports to a user (never shown with a traceback)."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def render(self) -> str:
        """One line `file:line:col: message`, then the hint on its own line."""
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.location and self.location.pointer:
            text += f" (at {self.location.pointer})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(StackplanError):
    """A stack file, blueprint, flag or report is malformed or invalid."""


class PlanError(StackplanError):
    """The stack cannot be resolved: unknown component, conflict, cycle, version out of range."""


class MultipleErrors(StackplanError):
    """Several independent input errors, reported together so the user fixes them in one pass."""

    def __init__(self, errors: list[StackplanError]) -> None:
        super().__init__(f"{len(errors)} problems found")
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class ClusterUnreachableError(StackplanError):
    """The Kubernetes API could not be reached or authenticated at all."""

    exit_code = 3


class ServiceUnavailableError(StackplanError):
    """An outside service other than the cluster (helm binary, kind, pulumi) is missing or failed."""

    exit_code = 3


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option closest to a mistyped word, for "did you mean" hints (None when nothing is close)."""
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, list(options), n=1)
    return close[0] if close else None
