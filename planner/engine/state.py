"""What happened to each release during an apply, and the result of the whole run. Pure values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from planner.secrets import MASK, redact_text


class ReleaseState(enum.StrEnum):
    PENDING = "pending"  # not started (yet, or never: an earlier wave failed)
    INSTALLING = "installing"
    READY = "ready"  # installed or upgraded, and helm --wait / kubectl rollout saw it ready
    SKIPPED = "skipped"  # already deployed with the same chart version and values digest
    FAILED = "failed"


@dataclass(frozen=True)
class ReleaseOutcome:
    release: str
    wave: int  # 1-based
    state: ReleaseState
    detail: str = ""  # why it failed, or what was done ("installed", "upgraded", "up to date")
    seconds: float = 0.0


@dataclass(frozen=True)
class ApplyResult:
    outcomes: tuple[ReleaseOutcome, ...]
    waves_run: int
    waves_total: int
    failed_wave: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[ReleaseOutcome, ...]:
        return tuple(o for o in self.outcomes if o.state is ReleaseState.FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed and all(o.state in (ReleaseState.READY, ReleaseState.SKIPPED) for o in self.outcomes)

    def exit_code(self) -> int:
        return 0 if self.ok else 1


class StepError(Exception):
    """One release could not be installed; `message` is already trimmed and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def trim_error(text: str, limit: int = 600) -> str:
    """The useful tail of a helm/kubectl error: no blank or debug lines, secrets masked, at most `limit` chars.

    Helm prints the root cause last (`Error: UPGRADE FAILED: ...`), so the tail is kept. Credentials are
    replaced by `***` by the program-wide rules (planner.secrets): `password: x`, tokens, URL userinfo,
    long base64 runs such as Secret data; object names such as `crds/x.argoproj.io` are kept.
    """
    lines = [ln.strip() for ln in text.replace("\r", "").splitlines()]
    lines = [ln for ln in lines if ln and not ln.lower().startswith(("debug", "warning: kubernetes configuration"))]
    # masked as one text: a PEM block or a YAML snippet spans lines
    cleaned = redact_text("\n".join(lines), marker=MASK).splitlines()
    out = " | ".join(cleaned[-4:]) or "no error output"
    if len(out) > limit:
        out = "…" + out[-(limit - 1):]
    return out
