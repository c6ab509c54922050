"""The Helm revision description stackplan writes on every release it installs, and reads back. Pure.

Both installers (the Pulumi program's `helm.v3.Release(description=…)` and `stackplan apply`'s
`helm upgrade --description …`) write `description(release)`; drift reads it with `parse` (`helm history`
shows it too). A revision stackplan wrote from the planned values digest carries that digest: the values
Helm records may then hold the Pulumi program's secret wiring on top of the plan's values, which is not
drift. Any later `helm upgrade` by hand replaces the description, and with it the mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planner.model import Release

_DIGEST = r"(?P<digest>sha256:[0-9a-f]{64})"
_CURRENT = re.compile(rf"^stackplan release (?P<id>\S+), values {_DIGEST}$")
_OLD_APPLY = re.compile(rf"^stackplan values-digest {_DIGEST}$")  # written by `stackplan apply` before issue #18


@dataclass(frozen=True)
class Mark:
    digest: str
    release: str | None = None  # None in the older apply form, which did not name the release


def description(release: Release) -> str:
    return f"stackplan release {release.id}, values {release.values_digest}"


def parse(text: str) -> Mark | None:
    """The mark in a revision description, or None when stackplan did not write it."""
    m = _CURRENT.match(text)
    if m:
        return Mark(m["digest"], m["id"])
    m = _OLD_APPLY.match(text)
    return Mark(m["digest"]) if m else None
