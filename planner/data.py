"""Where the shipped data (blueprints/, stacks/, schemas/) lives: inside the wheel, else the source checkout.

Its own module so that `load` (schemas) and `catalog` (blueprints, stacks) both read it without importing each other.
"""

from __future__ import annotations

from pathlib import Path


def data_root() -> Path:
    """Where blueprints/, stacks/ and schemas/ live: inside the wheel, else the source checkout."""
    packaged = Path(__file__).parent / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent
