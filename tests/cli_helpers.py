"""Run the stackplan CLI in-process the way the console script does, capturing exit code and output."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from planner.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0) if not isinstance(e.code, str) else 1
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
