"""The one YAML module: every YAML stackplan reads or writes goes through here (planner/load.py adds positions
and JSON Schema for user files on top).

Helm reads values as YAML 1.1 (sigs.k8s.io/yaml over go-yaml), ruamel.yaml reads YAML 1.2, and the two differ
on plain scalars: `off`, `yes`, `on`, `no`, `y`, `n` are booleans in 1.1 and text in 1.2; `010` is octal
eight in 1.1 and ten in 1.2; `0o10` is a number only in 1.2; `1:20` is a base-60 number only in 1.1
(yaml.org/type/bool.html, yaml.org/type/int.html; YAML 1.2.2 core schema). So:
- user files refuse such plain scalars (`yaml11_meaning`, used by planner/load.py), naming file:line:col;
- everything stackplan writes quotes every string either version could read as something else (`dump`).
"""

from __future__ import annotations

import io
import re
from typing import Any

_BOOL_WORDS = ("y", "yes", "n", "no", "on", "off", "true", "false")
YAML11_BOOLS = {w: w.lower() in ("y", "yes", "on", "true") for base in _BOOL_WORDS
                for w in (base, base.capitalize(), base.upper())}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_NUMBERISH = re.compile(r"^[-+]?(0[0-7_]+|0o[0-7]+|0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?"
                        r"|\.[0-9]+([eE][-+]?[0-9]+)?|\.(inf|Inf|INF|nan|NaN|NAN))$")


def yaml11_meaning(node: Any) -> str | None:
    """What YAML 1.1 makes of a plain (unquoted) scalar ruamel read as YAML 1.2, when that differs; else None.
    `node` comes from a round-trip load with `preserve_quotes` (quoted and block scalars are str subclasses)."""
    from ruamel.yaml.scalarint import OctalInt, ScalarInt

    if type(node) is str:
        if node in YAML11_BOOLS and node.lower() not in ("true", "false"):
            return f"the boolean {str(YAML11_BOOLS[node]).lower()}"
        if _SEXAGESIMAL.match(node):
            return "a base-60 number"
        return None
    if type(node) is OctalInt:  # 0o10: a number in YAML 1.2, text in YAML 1.1
        return "the text " + f'"{int(node):#o}"'
    width = getattr(node, "_width", None)
    if type(node) is ScalarInt and width and len(str(abs(int(node)))) < width:  # 010
        return "an octal number"
    return None


def needs_quotes(text: str) -> bool:
    """Would a plain `text` be read as anything but this string by YAML 1.1 or 1.2?"""
    return (text in YAML11_BOOLS or text in ("~", "null", "Null", "NULL", "") or bool(_SEXAGESIMAL.match(text))
            or bool(_NUMBERISH.match(text)))


def _yaml(sort_keys: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import SafeRepresenter

    class _Representer(SafeRepresenter):
        def represent_str(self, data: str) -> Any:
            if needs_quotes(data):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
            return super().represent_str(data)

    _Representer.add_representer(str, _Representer.represent_str)
    yaml = YAML(typ="safe", pure=True)
    yaml.Representer = _Representer
    yaml.default_flow_style = False
    if sort_keys:
        yaml.sort_base_mapping_type_on_output = True  # type: ignore[attr-defined]
    return yaml


def dump(data: Any, *, sort_keys: bool = True) -> str:
    """YAML text that YAML 1.1 and 1.2 readers (Helm, kubectl, stackplan) read alike."""
    buf = io.StringIO()
    _yaml(sort_keys).dump(data, buf)
    return buf.getvalue()


def dump_all(docs: list[Any], *, sort_keys: bool = True) -> str:
    buf = io.StringIO()
    _yaml(sort_keys).dump_all(docs, buf)
    return buf.getvalue()


def load(text: str) -> Any:
    """One document, plain Python values (machine-written YAML: charts, kubectl and helm output, own files)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def load_all(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    return list(YAML(typ="safe").load_all(text))
