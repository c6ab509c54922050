"""The default model is current: listed by the installed SDK, not deprecated by it, the newest of its family."""

from __future__ import annotations

import re
import typing
import warnings

import anthropic
from anthropic._data import DEPRECATED_MODELS  # the SDK's own end-of-life table

from planner.explain.config import DEFAULT_MODEL
from tests.explain.fake_anthropic import FakeAnthropic


def _sdk_models() -> list[str]:
    literal = next(a for a in typing.get_args(anthropic.types.Model) if typing.get_origin(a) is typing.Literal)
    return list(typing.get_args(literal))


def _version(model_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"-(\d+)(?=-|$)", model_id) if len(p) < 8)  # dated snapshots excluded


def test_default_model_is_in_the_installed_sdks_model_list() -> None:
    assert DEFAULT_MODEL in _sdk_models(), f"{DEFAULT_MODEL} is not in anthropic {anthropic.__version__}'s Model list"


def test_default_model_is_not_deprecated_by_the_sdk() -> None:
    assert DEFAULT_MODEL not in DEPRECATED_MODELS, (
        f"anthropic {anthropic.__version__} says {DEFAULT_MODEL} reaches end of life on "
        f"{DEPRECATED_MODELS.get(DEFAULT_MODEL)}; pick a current model in planner/explain/config.py")


def test_default_model_is_the_newest_of_its_family() -> None:
    family = DEFAULT_MODEL.split("-")[1]
    same = [m for m in _sdk_models() if m.split("-")[1] == family and m not in DEPRECATED_MODELS]
    newest = max(same, key=_version)
    assert _version(DEFAULT_MODEL) == _version(newest), f"anthropic {anthropic.__version__} lists {newest}"


def test_a_real_request_with_the_default_model_draws_no_sdk_warning() -> None:
    with FakeAnthropic() as fake, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = anthropic.Anthropic(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        client.messages.create(model=DEFAULT_MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
        client.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    texts = [str(w.message) for w in caught]
    assert not any(DEFAULT_MODEL in t for t in texts), texts
    assert any("claude-sonnet-4-5" in t and "deprecated" in t for t in texts), "the guard itself must see warnings"
