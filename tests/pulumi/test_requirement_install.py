"""A generated project's requirements.txt installs, without edits, into a fresh virtualenv in another directory.

Marked `slow` (a few seconds each; the git case reaches PyPI for the build backend and the pins' metadata).
The venvs see this environment's packages (`--system-site-packages`), so only stackplan itself is installed:
what is under test is the stackplan line, not PyPI's copies of click or grpcio. A check that every pin
resolves on the index (`pip install --dry-run --ignore-installed`) covers the rest without installing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SOURCE = ("pyproject.toml", "README.md", "planner", "blueprints", "stacks", "schemas")  # what hatch builds from


def pip(venv: Path, *args: str, cwd: Path, offline: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update({"PIP_DISABLE_PIP_VERSION_CHECK": "1", **({"PIP_NO_INDEX": "1"} if offline else {})})
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), *args], cwd=cwd,
                         env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def fresh_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(path)], check=True)
    return path


def assert_runs_from(venv: Path, project: Path) -> None:
    """The venv's own stackplan (not this checkout's) imports and plans the project."""
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import planner; print(planner.__file__)"],
                           cwd=project, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    out = subprocess.run([str(venv / "bin" / "stackplan"), "plan", "-f", "stackplan.yaml", "-o", "json"],
                         cwd=project, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["kind"] == "Plan"


def names(wheel: Path) -> set[str]:
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def init(capsys: pytest.CaptureFixture[str], target: Path, *args: str) -> Path:
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(target), *args)
    assert res.code == 0, res.err
    return target


def test_vendored_wheel_installs_offline_in_a_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = init(capsys, tmp_path / "made", "--vendor")
    project = tmp_path / "elsewhere" / "copy"
    shutil.copytree(made, project)
    shutil.rmtree(made)  # nothing may point back at where init wrote it
    venv = fresh_venv(tmp_path / "venv")
    pip(venv, "install", "-r", "requirements.txt", cwd=project, offline=True)
    assert_runs_from(venv, project)

    # the installed wheel (no source tree now) vendors itself again, file for file
    again = subprocess.run([str(venv / "bin" / "stackplan"), "init", "-p", "training-team", "--dir", "again",
                            "--vendor"], cwd=tmp_path, capture_output=True, text=True, check=False,
                           env={k: v for k, v in os.environ.items() if k != "STACKPLAN_REQUIREMENT"})
    assert again.returncode == 0, again.stderr
    first, second = (next((d / "vendor").iterdir()) for d in (project, tmp_path / "again"))
    assert first.name == second.name and names(first) == names(second)
    # without --vendor, an install from a local wheel has no portable source: refused, with what to pass
    local = subprocess.run([str(venv / "bin" / "stackplan"), "init", "-p", "training-team", "--dir", "local"],
                           cwd=tmp_path, capture_output=True, text=True, check=False,
                           env={k: v for k, v in os.environ.items() if k != "STACKPLAN_REQUIREMENT"})
    assert local.returncode == 2 and "--vendor" in local.stderr and not (tmp_path / "local").exists()


def test_git_requirement_installs_in_a_copy_and_its_pins_resolve(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCE:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, src / name)
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "stackplan"]):
        subprocess.run([*git, *args], cwd=src, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(tmp_path / "stackplan.git")], check=True)
    line = f"stackplan @ git+file://localhost{tmp_path / 'stackplan.git'}@{sha}"

    made = init(capsys, tmp_path / "full-mlops", "--stackplan-requirement", line)
    for other in ("training-team", "llm-inference"):  # every profile's requirements.txt is this one
        res = run_cli(capsys, "init", "-p", other, "--dir", str(tmp_path / other), "--stackplan-requirement", line)
        assert res.code == 0 and (tmp_path / other / "requirements.txt").read_bytes() == \
            (made / "requirements.txt").read_bytes()
    project = tmp_path / "elsewhere" / "copy"
    shutil.copytree(made, project)
    shutil.rmtree(src)  # the clone installs from the bare repository at the pinned commit, not a work tree
    venv = fresh_venv(tmp_path / "venv")
    pip(venv, "install", "--no-deps", "-r", "requirements.txt", cwd=project)
    assert_runs_from(venv, project)
    # the wheel pip built with hatch (pyproject.toml) holds the same files as `init --vendor`'s
    vendored = init(capsys, tmp_path / "vendored", "--vendor")
    record = next((venv / "lib").glob("python3*/site-packages/stackplan-*.dist-info/RECORD")).read_text()
    built = {ln.split(",")[0] for ln in record.splitlines() if ln.startswith("planner/") and "__pycache__" not in ln}
    assert built == {n for n in names(next((vendored / "vendor").iterdir())) if n.startswith("planner/")}
    report = tmp_path / "report.json"
    pip(venv, "install", "--dry-run", "--no-deps", "--ignore-installed", "--report", str(report),
        "-r", "requirements.txt", cwd=project)
    installs = json.loads(report.read_text())["install"]
    resolved = {re.sub(r"[-_.]+", "-", i["metadata"]["name"]).lower(): i["metadata"]["version"] for i in installs}
    pins = dict(ln.split("==") for ln in (project / "requirements.txt").read_text().splitlines() if "==" in ln)
    assert {k: resolved.get(k) for k in pins} == pins, "every pin resolves on the index, at that version"
    assert "stackplan" in resolved
