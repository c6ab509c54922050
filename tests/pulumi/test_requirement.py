"""The stackplan line of a generated requirements.txt: portable and pinned by default, derived from where
stackplan came from; refused with exact guidance when nothing portable exists; `--vendor` builds a wheel."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import zipfile
from importlib import metadata
from io import BytesIO
from pathlib import Path

import pytest

from planner.emit import origin, requirement
from planner.emit.requirement import GitFacts, NoPortableSource
from tests.cli_helpers import run_cli

SHA = "0123456789abcdef0123456789abcdef01234567"


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=cwd,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def checkout(tmp_path: Path, remote: str | None) -> Path:
    """A git checkout holding a stackplan source tree (pyproject.toml + planner/), with `remote` as origin."""
    root = tmp_path / "src"
    (root / "planner").mkdir(parents=True)
    (root / "planner" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "stackplan"\nversion = "0.1.0"\n')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "src")
    if remote:
        git(root, "remote", "add", "origin", remote)
    return root


# --- pure derivation ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("record", "line"), [
    ({"url": "https://github.com/acme/stackplan", "vcs_info": {"vcs": "git", "commit_id": SHA}},
     f"stackplan @ git+https://github.com/acme/stackplan@{SHA}"),
    ({"url": "https://bot:ghp_secret@github.com/acme/stackplan", "vcs_info": {"vcs": "git", "commit_id": SHA},
      "subdirectory": "tools"}, f"stackplan @ git+https://github.com/acme/stackplan@{SHA}#subdirectory=tools"),
    ({"url": "https://files.example.invalid/stackplan-0.1.0.tar.gz", "archive_info": {"hashes": {"sha256": "ab"}}},
     "stackplan @ https://files.example.invalid/stackplan-0.1.0.tar.gz#sha256=ab"),
    ({"url": "file:///src/stackplan", "dir_info": {"editable": True}}, "stackplan @ file:///src/stackplan"),
])
def test_direct_url_records_become_pinned_references(record: dict, line: str) -> None:
    req = requirement.from_direct_url(record)
    assert req is not None and req.line == line
    assert req.local == line.startswith("stackplan @ file://")
    assert "ghp_secret" not in req.line + req.origin


def test_no_direct_url_is_no_requirement() -> None:
    assert requirement.from_direct_url({}) is None
    assert requirement.from_direct_url({"url": "https://x", "vcs_info": {"vcs": "git"}}) is None  # no commit


@pytest.mark.parametrize(("remote", "url"), [
    ("https://github.com/acme/stackplan.git", "git+https://github.com/acme/stackplan.git"),
    ("https://x-access-token:ghs_abc@github.com/acme/stackplan.git", "git+https://github.com/acme/stackplan.git"),
    ("git@github.com:acme/stackplan.git", "git+ssh://git@github.com/acme/stackplan.git"),
    ("ssh://git@git.example.invalid:2222/acme/stackplan", "git+ssh://git@git.example.invalid:2222/acme/stackplan"),
    ("/srv/git/stackplan.git", "git+file://localhost/srv/git/stackplan.git"),
    ("file:///srv/git/stackplan.git", "git+file://localhost/srv/git/stackplan.git"),
    ("ftp://x/y", None),
])
def test_git_remotes_become_pip_urls_without_credentials(remote: str, url: str | None) -> None:
    assert requirement.pip_git_url(remote) == url


def test_git_facts_give_a_pinned_line_and_say_what_is_not_in_it() -> None:
    facts = GitFacts("https://github.com/acme/stackplan.git", SHA, subdirectory="tools/stackplan", dirty=True,
                     pushed=False, root="/src")
    req = requirement.from_git(facts)
    assert not isinstance(req, NoPortableSource)
    assert req.line == f"stackplan @ git+https://github.com/acme/stackplan.git@{SHA}#subdirectory=tools/stackplan"
    assert any("uncommitted" in n for n in req.notes) and any("push it" in n for n in req.notes)
    assert isinstance(requirement.from_git(GitFacts(None, SHA, root="/src")), NoPortableSource)
    assert isinstance(requirement.from_git(GitFacts("/srv/git/x.git", SHA, root="/src")), NoPortableSource)


def test_a_published_install_is_pinned_by_version() -> None:
    assert requirement.published("0.3.1").line == "stackplan==0.3.1"


@pytest.mark.parametrize("spec", ["stackplan==0.1.0", "stackplan", "other @ https://x/y.whl",
                                  "stackplan @ ftp://x/y", f"stackplan @ git+file:///srv/x.git@{SHA}"])
def test_unusable_specs_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path / "p"), "--stackplan-requirement", spec)
    assert res.code == 2 and "--stackplan-requirement" in res.err and "Traceback" not in res.err
    assert not (tmp_path / "p").exists()


# --- derivation from a real git checkout ----------------------------------------------------------------

def test_a_checkout_with_a_network_remote_is_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = checkout(tmp_path, "https://deploy:tok3n@git.example.invalid/acme/stackplan.git")
    monkeypatch.setattr(origin, "source_root", lambda: root)
    monkeypatch.delenv("STACKPLAN_REQUIREMENT")
    res = run_cli(capsys, "init", "-p", "llm-inference", "--dir", str(tmp_path / "p"))
    assert res.code == 0, res.err
    head = git(root, "rev-parse", "HEAD")
    reqs = (tmp_path / "p" / "requirements.txt").read_text().splitlines()
    assert f"stackplan @ git+https://git.example.invalid/acme/stackplan.git@{head}" in reqs
    assert "tok3n" not in (tmp_path / "p" / "requirements.txt").read_text()
    assert "no branch of the remote" not in res.err  # no remote-tracking branches fetched: nothing to compare

    (root / "planner" / "__init__.py").write_text("# edited\n")
    facts = origin.git_facts(root)
    assert facts is not None and facts.dirty and facts.commit == head


def test_no_portable_source_is_refused_with_what_to_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bare.git"
    root = checkout(tmp_path, str(bare))  # a remote that is a directory on this machine
    monkeypatch.setattr(origin, "source_root", lambda: root)
    monkeypatch.delenv("STACKPLAN_REQUIREMENT")
    res = run_cli(capsys, "init", "-p", "training-team", "--dir", str(tmp_path / "p"))
    assert res.code == 2 and "Traceback" not in res.err
    assert str(root) in res.err and "--vendor" in res.err
    head = git(root, "rev-parse", "HEAD")
    assert f"--stackplan-requirement 'stackplan @ git+https://github.com/<org>/stackplan@{head}'" in res.err
    assert not (tmp_path / "p").exists()


# --- the project directory ------------------------------------------------------------------------------

def test_init_refuses_a_new_project_inside_a_stackplan_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = checkout(tmp_path, None)
    monkeypatch.chdir(root)
    for args in ((), ("--dir", "my-platform")):
        res = run_cli(capsys, "init", "-p", "training-team", *args)
        assert res.code == 2 and "inside the stackplan source checkout" in res.err and "--dir ../" in res.err
    assert sorted(p.name for p in root.iterdir()) == [".git", "planner", "pyproject.toml"]
    assert run_cli(capsys, "init", "-p", "training-team", "--dir", "examples/training-team").code == 0
    assert run_cli(capsys, "init", "-p", "training-team", "--dir", "../elsewhere").code == 0


# --- --vendor -------------------------------------------------------------------------------------------

def test_vendor_writes_a_reproducible_complete_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path / "p"), "--vendor")
    assert res.code == 0, res.err
    wheels = list((tmp_path / "p" / "vendor").iterdir())
    assert [w.name for w in wheels] == [f"stackplan-{metadata.version('stackplan')}-py3-none-any.whl"]
    reqs = (tmp_path / "p" / "requirements.txt").read_text().splitlines()
    assert f"./vendor/{wheels[0].name}" in reqs and not [r for r in reqs if r.startswith("stackplan")]
    with zipfile.ZipFile(BytesIO(wheels[0].read_bytes())) as zf:
        names = set(zf.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        assert {"planner/cli.py", "planner/_data/blueprints/mlflow.yaml", "planner/_data/stacks/full-mlops.yaml",
                "planner/_data/schemas/blueprint.schema.json", "planner/explain/knowledge/gpu-operator.yaml"} <= names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        meta = zf.read(f"{info}/METADATA").decode()
        assert "Name: stackplan" in meta and any(ln.startswith("Requires-Dist: pulumi") for ln in meta.splitlines())
        assert "stackplan = planner.cli:main" in zf.read(f"{info}/entry_points.txt").decode()
        for line in zf.read(f"{info}/RECORD").decode().splitlines():  # every file's hash, as pip checks them
            name, digest, _ = line.split(",")
            if digest:
                raw = hashlib.sha256(zf.read(name)).digest()
                assert digest == "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), name
    before = wheels[0].read_bytes()
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path / "p"), "--vendor")
    assert res.code == 0 and "no changes" in res.out and wheels[0].read_bytes() == before
    res = run_cli(capsys, "init", "-p", "full-mlops", "--dir", str(tmp_path / "q"), "--vendor",
                  "--stackplan-requirement", "stackplan @ https://x.invalid/s.whl")
    assert res.code == 2 and "--vendor" in res.err
