"""The filesystem edge for YAML: parse with ruamel.yaml keeping line/column, validate with JSON Schema.

Errors name the file, line, column and key path, and say how to fix the problem.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from planner.errors import InputError, Location, MultipleErrors, StackplanError
from planner.model import Origin


def pointer(parts: Iterable[Any]) -> str:
    """A JSON pointer from path parts ("/a/0/b"), escaping ~ and / as RFC 6901 says."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


Positions = dict[str, tuple[int, int]]


def _plain(node: Any, path: tuple[Any, ...], positions: Positions, values: Positions) -> Any:
    """ruamel's Commented* tree -> plain dict/list/scalars, recording 1-based key positions."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            sub = (*path, key)
            try:
                line, col = node.lc.key(key)
                positions[pointer(sub)] = (line + 1, col + 1)
                vline, vcol = node.lc.value(key)
                values[pointer(sub)] = (vline + 1, vcol + 1)
            except (KeyError, TypeError):
                pass
            out[str(key) if not isinstance(key, str) else key] = _plain(value, sub, positions, values)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, value in enumerate(node):
            sub = (*path, i)
            try:
                line, col = node.lc.item(i)
                positions[pointer(sub)] = (line + 1, col + 1)
            except (KeyError, TypeError, IndexError):
                pass
            items.append(_plain(value, sub, positions, values))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    # dates and other YAML types: keep their text form, the schema decides whether that is allowed
    return str(node)


def parse_yaml(text: str, file: str) -> tuple[Any, Origin]:
    """Parse one YAML document; raise InputError with the position of a syntax error."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = (e.problem or e.context or "invalid YAML").strip()
        if "duplicate key" in str(e).lower():
            problem = "duplicate key " + (problem.split("duplicate key", 1)[-1].strip() or "")
        raise InputError(f"invalid YAML: {problem}", location=loc,
                         hint="check the indentation and quoting around this line") from e
    except YAMLError as e:
        raise InputError(f"invalid YAML: {e}", location=Location(file)) from e
    positions: Positions = {}
    values: Positions = {}
    if hasattr(data, "lc"):
        positions[""] = (data.lc.line + 1, data.lc.col + 1)
    plain = _plain(data, (), positions, values)
    return plain, Origin(file, positions, values)


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, Origin]:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(f"{name}: no such file",
                         hint="create it with `stackplan init --profile <profile>` or pass -f PATH") from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{name}: cannot read: {e}") from e
    return parse_yaml(text, name)


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from schemas/ (shipped inside the package)."""
    from planner.data import data_root

    return json.loads((data_root() / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def _describe(error: Any, data: Any) -> tuple[str, str, str | None]:
    """(pointer, message, hint) for one jsonschema error, in words a user can act on."""
    where = pointer(error.absolute_path)
    field_name = str(error.absolute_path[-1]) if error.absolute_path else "the document"
    if isinstance(error.absolute_path[-1] if error.absolute_path else None, int) and len(error.absolute_path) > 1:
        field_name = f"{error.absolute_path[-2]}[{error.absolute_path[-1]}]"
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extras = sorted(k for k in error.instance if k not in allowed)
        key = extras[0] if extras else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"allowed keys here: {', '.join(allowed)}"
        return pointer((*error.absolute_path, key)), f"unknown key `{key}`", hint
    if error.validator == "required" and isinstance(error.instance, Mapping):
        # one error per missing key; the message names it ("'x' is a required property")
        named = re.match(r"'([^']+)' is a required property", error.message)
        key = named.group(1) if named else next((k for k in error.validator_value if k not in error.instance), "?")
        return where, f"missing required key `{key}`", None
    if error.validator == "enum":
        opts = ", ".join(json.dumps(o) for o in error.validator_value)
        return where, f"{json.dumps(error.instance)} is not one of {opts}", None
    if error.validator == "type":
        want = error.validator_value
        wants = want if isinstance(want, list) else [want]
        got = type(error.instance).__name__
        hint = None
        if "string" in wants and isinstance(error.instance, int | float) and not isinstance(error.instance, bool):
            hint = f'quote it: "{error.instance}" (YAML reads an unquoted 1.20 as the number 1.2)'
        return where, f"expected {' or '.join(wants)}, got {got} {json.dumps(error.instance)[:60]}", hint
    if error.validator == "pattern":
        expected = error.schema.get("description") or f"the form {error.validator_value}"
        return where, f"{json.dumps(error.instance)} is not a valid `{field_name}`: expected {expected}", None
    if error.validator == "oneOf" and isinstance(error.instance, Mapping) and "kind" in error.instance:
        return where, f"invalid source of kind {json.dumps(error.instance.get('kind'))}: " + (
            error.context[0].message if error.context else error.message), None
    return where, error.message, None


def validate(data: Any, schema_name: str, origin: Origin) -> None:
    """Raise InputError (or MultipleErrors) listing every schema violation with its position."""
    errors: list[StackplanError] = []
    for err in sorted(_validator(schema_name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where, message, hint = _describe(err, data)
        about_value = err.validator in ("type", "pattern", "enum", "const", "minimum", "maximum", "minLength")
        errors.append(InputError(message, hint=hint, location=origin.locate(where, value=about_value)))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors)
