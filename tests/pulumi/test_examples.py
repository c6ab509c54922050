"""examples/<profile>/ is exactly what `stackplan init --profile <profile>` writes today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROFILES = ["training-team", "llm-inference", "full-mlops"]
# Examples must not embed this machine's install path: a placeholder that is obviously to be replaced
# (`.invalid` never resolves, so pip fails loudly until it is).
PLACEHOLDER = "stackplan @ git+https://example.invalid/REPLACE-ME/stackplan@REPLACE-WITH-A-COMMIT"


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_every_profile_has_an_example() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(PROFILES)


@pytest.mark.parametrize("profile", PROFILES)
def test_example_is_in_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str) -> None:
    fresh = tmp_path / profile
    assert run_cli(capsys, "init", "--profile", profile, "--dir", str(fresh),
                   "--stackplan-requirement", PLACEHOLDER).code == 0
    stale = sorted(k for k, v in files(fresh).items() if files(EXAMPLES / profile).get(k) != v)
    extra = sorted(set(files(EXAMPLES / profile)) - set(files(fresh)))
    assert not stale and not extra, (
        f"examples/{profile} is out of date ({', '.join(stale + extra)}); "
        f"regenerate: stackplan init --profile {profile} --dir examples/{profile} "
        f"--stackplan-requirement '{PLACEHOLDER}'")


@pytest.mark.parametrize("profile", PROFILES)
def test_example_embeds_no_local_path(profile: str) -> None:
    for rel, data in files(EXAMPLES / profile).items():
        text = data.decode()
        assert "file://" not in text and str(Path.home()) not in text, f"examples/{profile}/{rel}"
    assert PLACEHOLDER in (EXAMPLES / profile / "requirements.txt").read_text().splitlines()
