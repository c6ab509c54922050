"""`stackplan init` is safe: an installable stackplan requirement, exit 2 (never 70) for unusable paths,
all-or-nothing writes, and a README that follows the project's own stackplan.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.resolve import resolve
from planner.stackfile import load_stack
from tests.cli_helpers import run_cli

GIT = "stackplan @ git+https://github.com/acme/stackplan@0123456789abcdef0123456789abcdef01234567"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# --- the stackplan requirement -------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["stackplan==0.1.0", "stackplan", "other @ https://x/y.whl",
                                  "stackplan @ ftp://x/y", "stackplan @ https://x/y\npulumi==1"])
def test_bare_names_and_odd_specs_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    target = tmp_path / "p"
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(target), "--stackplan-requirement", spec)
    assert res.code == 2 and "--stackplan-requirement" in res.err and "Traceback" not in res.err
    assert not target.exists()


def test_override_goes_into_requirements_readme_and_no_bare_name(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path), "--stackplan-requirement", GIT)
    assert res.code == 0, res.err
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert GIT in lines
    assert not [ln for ln in lines if ln.startswith("stackplan") and "@" not in ln]
    readme = (tmp_path / "README.md").read_text()
    assert GIT in readme and "given with --stackplan-requirement" in readme
    workflow = (tmp_path / ".github/workflows/stackplan.yml").read_text()
    assert "pip install -r requirements.txt" in workflow
    assert "note: requirements.txt installs stackplan from a local path" not in res.err


# --- unusable paths: exit 2, nothing written -----------------------------------------------------------

def test_dir_below_a_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x")
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path / "afile" / "sub"))
    assert res.code == 2 and "not a directory" in res.err and "Traceback" not in res.err
    assert tree(tmp_path) == ["afile"]


def test_dir_that_cannot_be_created_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", "/proc/stackplan-test/x")
    assert res.code == 2 and "/proc/stackplan-test" in res.err and "Traceback" not in res.err
    assert not Path("/proc/stackplan-test").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_dir_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(ro))
    assert res.code == 2 and "not writable" in res.err and list(ro.iterdir()) == []


def test_permission_error_while_writing_is_exit_2_and_leaves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    real = tempfile.mkstemp
    count = {"n": 0}

    def failing(*a, **k):
        count["n"] += 1
        if count["n"] == 4:
            raise PermissionError(13, "Permission denied")
        return real(*a, **k)

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    target = tmp_path / "p"
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(target))
    assert res.code == 2 and "Permission denied" in res.err and "nothing was changed" in res.err
    assert not target.exists(), tree(tmp_path)


# --- all or nothing ------------------------------------------------------------------------------------

def test_a_directory_in_the_way_stops_init_before_it_writes(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    (tmp_path / "README.md").unlink()
    (tmp_path / "README.md").mkdir()
    before, names = snapshot(tmp_path), tree(tmp_path)
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path), "--force")
    assert res.code == 2 and "README.md is a directory" in res.err and "Traceback" not in res.err
    assert snapshot(tmp_path) == before and tree(tmp_path) == names


def test_a_failed_rename_rolls_back_the_ones_done(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    before, names = snapshot(tmp_path), tree(tmp_path)
    real = os.replace
    count = {"n": 0}

    def failing(src, dst):
        count["n"] += 1
        if count["n"] == 3:  # two files already renamed into place
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path))
    assert res.code == 2 and "No space left on device" in res.err and "nothing was changed" in res.err
    monkeypatch.setattr(os, "replace", real)
    assert count["n"] >= 3
    assert snapshot(tmp_path) == before and tree(tmp_path) == names  # no temp or backup files either
    assert run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path)).code == 0
    assert load_stack(tmp_path / "stackplan.yaml").profile == "full-mlops"


# --- the README follows stackplan.yaml -----------------------------------------------------------------

def test_readme_follows_the_edited_stackplan_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).code == 0
    assert "`kueue`" not in (tmp_path / "README.md").read_text()
    stack = tmp_path / "stackplan.yaml"
    stack.write_text(stack.read_text().replace("components: {}\n", "components:\n  kueue:\n    enabled: true\n", 1))
    plan = resolve(load_catalog(), load_stack(stack))
    assert "kueue" in plan.releases

    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path))
    assert res.code == 0 and "kept      stackplan.yaml" in res.out and "updated   README.md" in res.out
    readme = (tmp_path / "README.md").read_text()
    for i, wave in enumerate(plan.waves, start=1):
        assert f"| {i} | {', '.join(f'`{r}`' for r in wave)} |" in readme
    assert "stackplan plan -f stackplan.yaml" in readme
    assert run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path)).out.startswith("  kept")


def test_readme_names_the_rbac_drift_needs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path)).code == 0
    readme = (tmp_path / "README.md").read_text()
    assert "stackplan rbac --drift" in readme
    assert "stackplan drift" in (tmp_path / ".github/workflows/stackplan.yml").read_text()
