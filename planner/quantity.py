"""Kubernetes resource quantities (pure): `500m`, `1Gi`, `1e3` as exact fractions.

Shared by drift (comparing requests and limits) and preflight (quotas against allocatable), so that neither
imports the other. Suffixes from k8s.io/apimachinery pkg/api/resource/quantity.go.
"""

from __future__ import annotations

import re
from fractions import Fraction

_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_SUFFIX = {"Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
           "Pi": Fraction(2**50), "Ei": Fraction(2**60), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6),
           "m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
           "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18)}


def quantity(text: str) -> Fraction | None:
    """`500m` -> 1/2, `1Gi` -> 1073741824, `1e3` -> 1000; None if it is not a Kubernetes quantity."""
    m = _QUANTITY.match(text.strip())
    if not m:
        return None
    suffix = m[2] or ""
    scale = Fraction(10) ** int(suffix[1:]) if suffix[:1] in ("e", "E") and len(suffix) > 1 else _SUFFIX[suffix]
    return Fraction(m[1]) * scale
