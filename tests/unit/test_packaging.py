"""A non-editable wheel carries blueprints, stacks and schemas inside the `planner` package, and nothing
at the top level of site-packages but `planner`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_the_catalog_inside_the_package(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("stackplan-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"planner", next(n for n in top if n.endswith(".dist-info"))}
    for kind, suffix in (("blueprints", ".yaml"), ("stacks", ".yaml"), ("schemas", ".json")):
        shipped = {Path(n).name for n in names if n.startswith(f"planner/_data/{kind}/")}
        expected = {p.name for p in (ROOT / kind).glob(f"*{suffix}")}
        assert expected and shipped == expected, kind


@pytest.mark.slow
def test_installed_wheel_plans_a_profile(tmp_path: Path) -> None:
    """Install the wheel into a target dir (no deps: the test env has them) and plan from outside the repo."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("stackplan-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    out = subprocess.run([sys.executable, "-c", "import planner.catalog as c, sys; print(c.data_root());"
                          "from planner.cli import main; main(['plan', '--profile', 'llm-inference', '-o', 'json'])"],
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "XDG_CACHE_HOME": str(tmp_path / "c"),
                                            "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == str(target / "planner" / "_data")
    assert '"profile": "llm-inference"' in out.stdout
