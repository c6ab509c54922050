"""The explainer edge: one small Protocol that the offline knowledge base and the LLM both implement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from planner.report import Explanation, Finding


class Explainer(Protocol):
    """Explains a batch of related findings (same component), one answer per finding, in order.

    `None` for a finding means "no answer for this one" (the caller falls back to the knowledge base).
    Raises `ExplainerUnavailable` when the backend cannot answer at all (quota, auth, outage).
    """

    name: str

    def explain(self, findings: Sequence[Finding]) -> list[Explanation | None]: ...


class ExplainerUnavailable(Exception):
    """The backend cannot answer (quota, auth, overload, timeout, bad answer); `str()` is a plain message."""

    def __init__(self, message: str, *, fatal: bool = True) -> None:
        super().__init__(message)
        self.fatal = fatal  # False: only this batch failed (e.g. an invalid answer); later batches may still work
