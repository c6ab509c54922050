"""A stack file or report built to exhaust time or memory is refused (exit 2) naming the file and the limit.

Pull requests feed stack files to CI, so these are a denial-of-service path. How fast each is refused is
measured by benchmarks/hostile_input.py (not here: no timed unit tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.load import MAX_BYTES, MAX_DEPTH, MAX_VALUES, check_limits
from tests import hostile
from tests.cli_helpers import run_cli

EXPECTED = {
    "laughs": f"expands to more than {MAX_VALUES:,} values",
    "deep_flow": f"nested more than {MAX_DEPTH} levels deep",
    "deep_block": f"nested more than {MAX_DEPTH} levels deep",
    "many_values": f"expands to more than {MAX_VALUES:,} values",
    "large": f"over the limit of {MAX_BYTES:,}",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.write_all(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["validate", "plan", "images"])
def test_a_hostile_stack_file_is_refused_naming_the_file_and_the_limit(files, case: str, command: str,
                                                                        capsys) -> None:
    result = run_cli(capsys, command, "-f", str(files[case]))
    assert result.code == 2, result.err
    assert str(files[case]) in result.err and EXPECTED[case] in result.err, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_the_same_from_standard_input(files, case: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(files[case].read_text()))
    result = run_cli(capsys, "validate", "-f", "-")
    assert result.code == 2 and "<stdin>" in result.err and EXPECTED[case] in result.err, result.err


def test_the_limits_leave_room_for_real_stack_files_and_blueprints() -> None:
    """Every shipped blueprint, profile and example passes; a large legitimate values block does too."""
    root = Path(__file__).resolve().parents[2]
    for f in [*root.glob("blueprints/*.yaml"), *root.glob("stacks/*.yaml"), *root.glob("examples/*/stackplan.yaml")]:
        check_limits(f.read_text(), str(f))
    rules = "".join(f"      - alert: A{i}\n        expr: up == 0\n        for: 5m\n" for i in range(1500))
    check_limits("profile: full-mlops\ncomponents:\n  kube-prometheus-stack:\n    values:\n      rules:\n" + rules,
                 "big-but-fine.yaml")


def test_an_alias_is_counted_once_per_use_not_expanded() -> None:
    """Ten uses of a 1,000-value anchor count 10,000: under the limit, and no list of 10,000 is ever built."""
    anchor = "a: &a [" + ",".join(["1"] * 1000) + "]\n"
    check_limits(anchor + "b: [" + ",".join(["*a"] * 10) + "]\n", "ok.yaml")
    with pytest.raises(Exception, match="expands to more than"):
        check_limits(anchor + "b: [" + ",".join(["*a"] * 25) + "]\n", "too-many.yaml")


def test_a_hostile_report_is_refused(tmp_path: Path, capsys) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = run_cli(capsys, "explain", str(deep), "--offline")
    assert result.code == 2 and str(deep) in result.err and "nested" in result.err, result.err
    big = tmp_path / "big.json"
    with big.open("w") as f:  # sparse: 65 MiB without writing them
        f.truncate((64 << 20) + 1)
    result = run_cli(capsys, "explain", str(big), "--offline")
    assert result.code == 2 and "over the limit" in result.err, result.err


def test_a_large_valid_report_is_read_without_a_second_parse(tmp_path: Path, capsys) -> None:
    """Positions are needed only for errors: a valid report above the YAML limit is still explained."""
    from planner.report import Finding, Outcome, Report, Severity, Subject

    findings = tuple(Finding("HC005", "pods running", Outcome.FAILED, Subject("Pod", f"p{i}", "team"),
                             f"pod team/p{i} is in CrashLoopBackOff", Severity.HIGH, "kueue",
                             (f"Pod/team/p{i} .status.containerStatuses[main] restartCount=9 " + "x" * 300,))
                     for i in range(3000))
    report = tmp_path / "report.json"
    report.write_text(json.dumps(Report("check", findings).to_dict()))
    assert report.stat().st_size > MAX_BYTES
    result = run_cli(capsys, "explain", str(report), "--offline", "-o", "json")
    assert result.code in (0, 1), result.err
    assert len(json.loads(result.out)["findings"]) == 3000
