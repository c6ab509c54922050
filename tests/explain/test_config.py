"""Explain settings: defaults < environment < config file < flags; the key never comes from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.explain.config import DEFAULT_MODEL, resolve_config


def _env(tmp_path: Path, text: str | None = None, **extra: str) -> dict[str, str]:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "cache"), **extra}
    if text is not None:
        (tmp_path / "cfg" / "stackplan").mkdir(parents=True)
        (tmp_path / "cfg" / "stackplan" / "config.yaml").write_text(text)
    return env


def test_defaults(tmp_path: Path) -> None:
    cfg = resolve_config(env=_env(tmp_path))
    assert cfg.model == DEFAULT_MODEL and cfg.api_key is None and not cfg.has_key and cfg.base_url is None
    assert cfg.cache_dir == tmp_path / "cache" / "stackplan" / "explain"


def test_precedence_env_then_file_then_flag(tmp_path: Path) -> None:
    env = _env(tmp_path, "explain:\n  model: from-file\n  timeout: 12\n", STACKPLAN_MODEL="from-env",
               ANTHROPIC_API_KEY="k", ANTHROPIC_BASE_URL="http://127.0.0.1:1")
    cfg = resolve_config(env=env)
    assert (cfg.model, cfg.timeout, cfg.api_key, cfg.base_url) == ("from-file", 12.0, "k", "http://127.0.0.1:1")
    assert resolve_config(env=env, model="from-flag", base_url="http://127.0.0.1:2").model == "from-flag"
    assert resolve_config(env={**env, "STACKPLAN_CONFIG": str(tmp_path / "none.yaml")}).model == "from-env"


def test_auth_token_counts_as_a_key(tmp_path: Path) -> None:
    cfg = resolve_config(env=_env(tmp_path, ANTHROPIC_AUTH_TOKEN="tok"))
    assert cfg.has_key and cfg.api_key is None and cfg.auth_token == "tok"


def test_key_from_a_file_but_never_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("sk-from-file\n")
    assert resolve_config(env=_env(tmp_path, f"explain:\n  api_key_file: {tmp_path / 'key'}\n")).api_key == \
        "sk-from-file"
    with pytest.raises(InputError) as e:
        resolve_config(env=_env(tmp_path / "b", "explain:\n  api_key: sk-oops\n"))
    assert "/explain/api_key" in e.value.render() and "ANTHROPIC_API_KEY" in e.value.render()


def test_unknown_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown setting `modle`"):
        resolve_config(env=_env(tmp_path, "explain:\n  modle: x\n"))


@pytest.mark.parametrize("url", ["ftp://x", "file:///etc/passwd", "127.0.0.1:8080", "http://"])
def test_base_url_must_be_http_from_every_source(tmp_path: Path, url: str) -> None:
    with pytest.raises(InputError, match=r"--base-url.*not an http"):
        resolve_config(env=_env(tmp_path), base_url=url)
    with pytest.raises(InputError, match="ANTHROPIC_BASE_URL"):
        resolve_config(env=_env(tmp_path, ANTHROPIC_BASE_URL=url))
    with pytest.raises(InputError) as info:
        resolve_config(env=_env(tmp_path, f"explain:\n  base_url: '{url}'\n"))
    assert info.value.location and info.value.location.pointer == "/explain/base_url"


def test_empty_model_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--model"):
        resolve_config(env=_env(tmp_path), model="")
    with pytest.raises(InputError) as info:
        resolve_config(env=_env(tmp_path, "explain:\n  model: ''\n"))
    assert info.value.location and info.value.location.pointer == "/explain/model"
    clean = _env(tmp_path / "clean")
    assert resolve_config(env=clean, base_url="HTTPS://example.test/").endpoint == "HTTPS://example.test"
