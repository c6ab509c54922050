"""The default-model guard (benchmarks/default_model.py) and the SDK's deprecation warning path.

Whether the default model is current depends on the installed SDK's model list and deprecation table, which
change with every release; that is reported by `python benchmarks/default_model.py`, not asserted here. These
tests pin the guard's logic and the warning mechanism on tables they make themselves.
"""

from __future__ import annotations

import typing
import warnings
from typing import Literal

import anthropic
import pytest
from anthropic._data import DEPRECATED_MODELS  # the dict the SDK's messages resource consults

from benchmarks.default_model import assess, sdk_models
from tests.explain.fake_anthropic import FakeAnthropic

RETIRED = "claude-sonnet-0-1"  # a made-up id, added to the SDK's table for one test


def test_the_guard_reads_the_model_ids_out_of_the_sdks_model_type() -> None:
    model = typing.Union[str, Literal["claude-a-1", "claude-b-2"]]  # noqa: UP007 - the SDK's own shape
    assert sdk_models(model) == ["claude-a-1", "claude-b-2"]
    assert sdk_models(anthropic.types.Model), "the installed SDK's Model type no longer lists ids"


@pytest.mark.parametrize(("model", "deprecated", "expected"), [
    ("claude-sonnet-5-5", {}, [True, True, True]),
    ("claude-sonnet-5-5", {"claude-sonnet-5-5": "June 1st, 2027"}, [True, False, False]),
    ("claude-sonnet-5", {}, [True, True, False]),
    ("claude-sonnet-9-9", {}, [False, True, False]),
])
def test_the_guard_flags_a_deprecated_missing_or_superseded_default(model: str, deprecated: dict[str, str],
                                                                   expected: list[bool]) -> None:
    models = ["claude-opus-5-5", "claude-sonnet-5-5", "claude-sonnet-5", "claude-sonnet-4-6"]
    assert [ok for ok, _ in assess(model, models, deprecated)] == expected


def test_the_sdk_warns_for_a_model_in_its_deprecation_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run-time note (planner/explain/anthropic.py) relies on this warning; a table entry the test adds
    must draw it, and a model outside the table must not."""
    monkeypatch.setitem(DEPRECATED_MODELS, RETIRED, "January 1st, 2020")
    with FakeAnthropic() as fake, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = anthropic.Anthropic(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        client.messages.create(model="claude-sonnet-9-9", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
        assert not [w for w in caught if "deprecated" in str(w.message)]
        client.messages.create(model=RETIRED, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert any(RETIRED in str(w.message) and "deprecated" in str(w.message) for w in caught)
