"""The bad-input corpus: every file in bad_stacks/ fails validation with exit 2 and a message that names
file:line:col and what is wrong — never a traceback. Each file's first line says what to expect:
`# expect: LINE:COL: text` (or `# expect: text` when the problem has no position)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

CORPUS = sorted((Path(__file__).parent / "bad_stacks").glob("*.yaml"))


def expectation(path: Path) -> tuple[str | None, str]:
    first = path.read_text().splitlines()[0]
    m = re.fullmatch(r"# expect: (?:(\d+:\d+): )?(.+)", first)
    assert m, f"{path.name}: first line must be '# expect: ...'"
    return m.group(1), m.group(2)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_stack_file_is_rejected_clearly(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    position, text = expectation(path)
    result = run_cli(capsys, "validate", "-f", str(path))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err and result.out == ""
    assert text in result.err
    if position:
        assert f"{path}:{position}: " in result.err, result.err


def test_missing_stack_file_says_how_to_make_one(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(capsys, "plan")
    assert result.code == 2
    assert "no stackplan.yaml here" in result.err and "stackplan init --profile" in result.err
    result = run_cli(capsys, "validate", "-f", "nope.yaml")
    assert result.code == 2 and "nope.yaml: no such file" in result.err


def test_bad_flags_exit_2(capsys) -> None:
    assert run_cli(capsys, "plan", "--profile", "llm-inference", "--output", "xml").code == 2
    result = run_cli(capsys, "plan", "--profile", "llm-inference", "--set", "gpu-operator.driver.enabled")
    assert result.code == 2 and "expected COMPONENT.KEY=VALUE" in result.err
    result = run_cli(capsys, "plan", "--profile", "llm-inference", "--set", "kueue.replicas=2")
    assert result.code == 2 and "--set kueue.replicas: component `kueue` is not in this plan" in result.err
    result = run_cli(capsys, "plan", "--profile", "nope")
    assert result.code == 2 and "unknown profile `nope`" in result.err
    result = run_cli(capsys, "plan", "--profile", "llm-inference", "-f", "x.yaml")
    assert result.code == 2 and "mutually exclusive" in result.err


def test_ctx_exit_codes_reach_the_process(monkeypatch, capsys) -> None:
    """A command that calls ctx.exit(1) (found problems) exits 1 through main()."""
    import click

    from planner import cli

    @click.command()
    @click.pass_context
    def probe(ctx: click.Context) -> None:
        ctx.exit(1)

    monkeypatch.setitem(cli.COMMANDS, "probe", "tests.unit.test_bad_input:PROBE")
    monkeypatch.setattr(__import__("tests.unit.test_bad_input", fromlist=["x"]), "PROBE", probe, raising=False)
    assert run_cli(capsys, "probe").code == 1
