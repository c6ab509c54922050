"""Where the shipped data (blueprints/, stacks/, schemas/) lives: inside the wheel, else the source checkout.

Its own module so that `load` (schemas) and `catalog` (blueprints, stacks) both read it without importing each other.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def data_dir() -> str:
    """Where blueprints/, stacks/ and schemas/ live: inside the wheel, else the source checkout. A string:
    planning from a warm catalog cache never imports pathlib (benchmarks/plan_speed.py)."""
    packaged = os.path.join(os.path.dirname(__file__), "_data")
    if os.path.isdir(packaged):
        return packaged
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def data_root() -> Path:
    """`data_dir()` as a Path."""
    from pathlib import Path

    return Path(data_dir())
