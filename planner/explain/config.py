"""Explain settings: defaults < environment < config file < command-line flags (style anchor H9).

Environment: ANTHROPIC_API_KEY (the key; ANTHROPIC_AUTH_TOKEN, a bearer token, also works), STACKPLAN_MODEL,
ANTHROPIC_BASE_URL.
Config file ($STACKPLAN_CONFIG, else $XDG_CONFIG_HOME/stackplan/config.yaml), section `explain:` with
model, base_url, timeout, max_retries, max_batch, max_tokens and api_key_file (a file holding the key,
e.g. a mounted Secret). The key itself is never read from the config file, so it cannot be committed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from planner.errors import InputError, Location

# A current model from the installed SDK's model list that the SDK does not warn is deprecated
# (anthropic 2.14.0: anthropic.types.Model, anthropic._data.DEPRECATED_MODELS). Guarded by
# tests/explain/test_default_model.py, which inspects the installed SDK.
DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_BASE_URL = "https://api.anthropic.com"  # the SDK's default when no base URL is set


@dataclass(frozen=True)
class ExplainConfig:
    api_key: str | None = None
    auth_token: str | None = None  # ANTHROPIC_AUTH_TOKEN, used only when there is no API key
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    timeout: float = 60.0  # seconds per request attempt
    max_retries: int = 2  # after the first attempt, on 429/5xx/529/timeouts, with exponential backoff
    max_retry_wait: float = 20.0  # a Retry-After longer than this is not waited for: fall back instead
    backoff: float = 0.5  # first backoff in seconds, doubled per retry, capped at 8s
    max_batch: int = 8  # findings per request
    max_tokens: int = 2048  # answer budget per request
    cache_dir: Path | None = None

    @property
    def has_key(self) -> bool:
        return bool(self.api_key or self.auth_token)

    @property
    def endpoint(self) -> str:
        """The Messages API base URL actually used (part of the cache key)."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")


_FILE_KEYS = {"model": str, "base_url": str, "timeout": float, "max_retries": int, "max_retry_wait": float,
              "max_batch": int, "max_tokens": int, "api_key_file": str}


def config_file(env: Mapping[str, str]) -> Path:
    if env.get("STACKPLAN_CONFIG"):
        return Path(env["STACKPLAN_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stackplan" / "config.yaml"


def cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackplan" / "explain"


def _read_file(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAMLError

    from planner.yamlio import load

    if not path.exists():
        return {}
    try:
        data = load(path.read_text(encoding="utf-8")) or {}
    except (OSError, YAMLError) as e:
        raise InputError(f"cannot read the stackplan config file: {e}", location=Location(str(path))) from e
    section = data.get("explain", {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise InputError("`explain` must be a mapping", location=Location(str(path), pointer="/explain"))
    out: dict[str, Any] = {}
    for key, value in section.items():
        if key == "api_key":
            raise InputError("an API key must not be stored in the config file",
                             location=Location(str(path), pointer="/explain/api_key"),
                             hint="set ANTHROPIC_API_KEY, or `api_key_file:` naming a file that holds the key")
        if key not in _FILE_KEYS:
            raise InputError(f"unknown setting `{key}`", location=Location(str(path), pointer=f"/explain/{key}"),
                             hint="known settings: " + ", ".join(sorted(_FILE_KEYS)))
        try:
            out[key] = _FILE_KEYS[key](value)
        except (TypeError, ValueError) as e:
            raise InputError(f"`{key}` must be a {_FILE_KEYS[key].__name__}",
                             location=Location(str(path), pointer=f"/explain/{key}")) from e
    return out


def check_base_url(url: str, where: str, location: Location | None = None) -> str:
    """An http(s) URL with a host, or an InputError naming where it came from (exit 2) — never retries
    against `ftp://x` and a silent fallback."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{where}: `{url}` is not an http(s) URL", location=location,
                         hint="use the Messages API base URL, e.g. https://api.anthropic.com or http://127.0.0.1:8080")
    return url.strip()


def check_model(model: str, where: str, location: Location | None = None) -> str:
    if not model.strip() or model != model.strip():
        raise InputError(f"{where}: the model id must not be empty or padded with spaces ({model!r})",
                         location=location, hint=f"e.g. {DEFAULT_MODEL}, or leave it out for the default")
    return model


def resolve_config(*, model: str | None = None, base_url: str | None = None,
                   env: Mapping[str, str] | None = None) -> ExplainConfig:
    env = os.environ if env is None else env
    cfg = ExplainConfig(cache_dir=cache_dir(env))
    if env.get("STACKPLAN_MODEL"):
        cfg = replace(cfg, model=check_model(env["STACKPLAN_MODEL"], "STACKPLAN_MODEL"))
    if env.get("ANTHROPIC_BASE_URL"):
        cfg = replace(cfg, base_url=check_base_url(env["ANTHROPIC_BASE_URL"], "ANTHROPIC_BASE_URL"))
    cfg = replace(cfg, api_key=env.get("ANTHROPIC_API_KEY") or None, auth_token=env.get("ANTHROPIC_AUTH_TOKEN") or None)
    path = config_file(env)
    settings = _read_file(path)
    key_file = settings.pop("api_key_file", None)
    if "base_url" in settings:
        settings["base_url"] = check_base_url(settings["base_url"], "base_url",
                                              Location(str(path), pointer="/explain/base_url"))
    if "model" in settings:
        check_model(settings["model"], "model", Location(str(path), pointer="/explain/model"))
    cfg = replace(cfg, **settings)
    if key_file and not cfg.api_key:
        try:
            cfg = replace(cfg, api_key=Path(key_file).expanduser().read_text(encoding="utf-8").strip() or None)
        except OSError as e:
            raise InputError(f"cannot read api_key_file {key_file}: {e.strerror}",
                             location=Location(str(path), pointer="/explain/api_key_file")) from e
    if model is not None:
        cfg = replace(cfg, model=check_model(model, "--model"))
    if base_url is not None:
        cfg = replace(cfg, base_url=check_base_url(base_url, "--base-url"))
    return cfg
