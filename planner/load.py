"""The filesystem edge for YAML: parse with ruamel.yaml keeping line/column, validate with JSON Schema.

Errors name the file, line, column and key path, and say how to fix the problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from planner.errors import InputError, Location, MultipleErrors, StackplanError, closest
from planner.model import Origin


def pointer(parts: Iterable[Any]) -> str:
    """A JSON pointer from path parts ("/a/0/b"), escaping ~ and / as RFC 6901 says."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


Positions = dict[str, tuple[int, int]]

# Limits for any YAML or JSON document stackplan reads (stack files arrive in pull requests: a document built
# to exhaust time or memory is refused before the full parser sees it). A real stack file is a few KiB with
# a few hundred values; a chart's whole values.yaml has a few thousand.
MAX_BYTES = 1 << 20   # 1 MiB
MAX_DEPTH = 64        # nested mappings/sequences
MAX_VALUES = 20_000   # scalars, counting every expansion of an alias (`*name`) where it is used


def check_limits(text: str, file: str, *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a document over the size, nesting or value-count limits, in one linear pass over libyaml's event
    stream (no tree is built and no alias is expanded: an anchor's size is counted once and added per use).
    Syntax errors are left to the full parser, which reports them with positions."""
    import yaml

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError(f"the file is {size:,} bytes, over the limit of {max_bytes:,}",
                         location=Location(file),
                         hint="stackplan refuses larger documents so that no input can exhaust time or memory; "
                              "keep large value blocks in the chart or a ConfigMap")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth, values = 0, 0
    anchored: list[tuple[str, int, int]] = []  # (anchor, values before it started, depth at its start)
    sizes: dict[str, int] = {}

    def refuse(event: Any, what: str, limit: str, hint: str) -> InputError:
        mark = event.start_mark
        return InputError(f"{what}, over the limit of {limit}", location=Location(file, mark.line + 1,
                                                                                   mark.column + 1), hint=hint)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                values += sizes.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise refuse(event, f"values nested more than {MAX_DEPTH} levels deep", str(MAX_DEPTH),
                                 "flatten the structure; no chart value is nested this deep")
                if event.anchor:
                    anchored.append((event.anchor, values, depth))
            elif isinstance(event, yaml.CollectionEndEvent):
                if anchored and anchored[-1][2] == depth:
                    anchor, before, _ = anchored.pop()
                    sizes[anchor] = max(values - before, 1)
                depth -= 1
            if values > MAX_VALUES:
                raise refuse(event, f"the document expands to more than {MAX_VALUES:,} values",
                             f"{MAX_VALUES:,}", "YAML aliases (`*name`) used inside each other multiply; "
                                                "write the values out, or split the file")
    except yaml.YAMLError:
        # The full parser reports the syntax error with its position; libyaml also stops at a flow nesting it
        # will not follow, which the full parser would take its time to reach: measure the brackets directly.
        _check_flow_depth(text, file)


def _check_flow_depth(text: str, file: str) -> None:
    depth = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            raise InputError(f"values nested more than {MAX_DEPTH} levels deep, over the limit of {MAX_DEPTH}",
                             location=Location(file, line, column),
                             hint="flatten the structure; no chart value is nested this deep")


def _plain(node: Any, path: tuple[Any, ...], positions: Positions, values: Positions, budget: list[int],
           file: str) -> Any:
    """ruamel's Commented* tree -> plain dict/list/scalars, recording 1-based key positions. Aliases are expanded
    here, so this is where they multiply: `budget` counts down the values it may still produce."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    budget[0] -= 1
    if budget[0] < 0 or len(path) > MAX_DEPTH:
        where = positions.get(pointer(path)) or (None, None)
        what = (f"values nested more than {MAX_DEPTH} levels deep" if len(path) > MAX_DEPTH
                else f"the document expands to more than {MAX_VALUES:,} values")
        raise InputError(what, location=Location(file, *where),
                         hint="YAML aliases (`*name`) used inside each other multiply; write the values out")
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
            out[str(key) if not isinstance(key, str) else key] = _plain(value, sub, positions, values, budget, file)
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
            items.append(_plain(value, sub, positions, values, budget, file))
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

    check_limits(text, file)
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
    except RecursionError as e:
        raise InputError(f"values nested more than the parser can follow (limit {MAX_DEPTH} levels)",
                         location=Location(file), hint="flatten the structure") from e
    positions: Positions = {}
    values: Positions = {}
    if hasattr(data, "lc"):
        positions[""] = (data.lc.line + 1, data.lc.col + 1)
    plain = _plain(data, (), positions, values, [MAX_VALUES * 2], file)
    return plain, Origin(file, positions, values)


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, Origin]:
    name = display or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:  # before reading it: the file may be arbitrarily large
            raise InputError(f"the file is {path.stat().st_size:,} bytes, over the limit of {MAX_BYTES:,}",
                             location=Location(name), hint="stackplan refuses larger documents so that no "
                                                           "input can exhaust time or memory")
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
    from planner.catalog import data_root

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
        close = closest(key, allowed)
        hint = f"did you mean `{close}`?" if close else f"allowed keys here: {', '.join(allowed)}"
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
