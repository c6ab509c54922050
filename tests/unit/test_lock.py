"""The dependency locks agree with pyproject.toml, and the environment under test is the locked one."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)
REFRESH = "refresh it with `bash requirements/lock.sh` and commit the result"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _locked(name: str) -> dict[str, list[str]]:
    text = (ROOT / "requirements" / name).read_text()
    pins: dict[str, list[str]] = {}
    for m in PIN.finditer(text):
        pins.setdefault(canonicalize_name(m.group(1)), []).append(m.group(2))
    return pins


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = _pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


@pytest.mark.parametrize(("lock", "extras"), [("requirements.txt", ()), ("requirements-test.txt", ("test",))])
def test_every_requirement_of_pyproject_is_pinned_within_its_range(lock: str, extras: tuple[str, ...]) -> None:
    pins = _locked(lock)
    problems = []
    for req in _requirements(extras):
        versions = pins.get(canonicalize_name(req.name))
        if not versions:
            problems.append(f"{req.name} is required by pyproject.toml but not pinned in requirements/{lock}")
        elif not all(req.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"requirements/{lock} pins {req.name}=={','.join(versions)}, outside {req.specifier}")
    assert not problems, "\n".join(problems) + f"\n{REFRESH}"


def test_every_pin_carries_a_hash() -> None:
    for lock in ("requirements.txt", "requirements-test.txt"):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements" / lock).read_text())
        unhashed = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
        assert not unhashed, f"requirements/{lock}: no hash for {unhashed}; {REFRESH}"


def test_the_runtime_lock_is_the_test_lock_without_the_test_tools() -> None:
    runtime, test = _locked("requirements.txt"), _locked("requirements-test.txt")
    differ = {n: (v, test.get(n)) for n, v in runtime.items() if test.get(n) != v}
    assert not differ, f"the two locks pin different versions: {differ}; {REFRESH}"


def test_the_environment_under_test_is_the_locked_one() -> None:
    """CI and the README install from requirements/requirements-test.txt: a run on other versions tests other
    bytes."""
    pins = _locked("requirements-test.txt")
    differ = []
    for req in _requirements(("test",)):
        name = canonicalize_name(req.name)
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            differ.append(f"{req.name}: not installed (locked {pins.get(name)})")
            continue
        if installed not in pins.get(name, []):
            differ.append(f"{req.name}: installed {installed}, locked {pins.get(name)}")
    assert not differ, "\n".join(differ) + "\nreinstall with `pip install -r requirements/requirements-test.txt`"
