"""EventBridge as a rule applies it: event-pattern matching and a target's input transformation.

Matching follows EventBridge's rules: every field of the pattern must match; a leaf is an array
of alternatives (literal values compared exactly, numbers by value, or operators); an event field
holding an array matches when any element does; a field the event lacks matches only
``{"exists": false}``. Operators: ``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``,
``anything-but`` (a value, a list, or a ``prefix``/``suffix``/``equals-ignore-case``/``wildcard``),
``numeric``, ``exists``, ``cidr``, and ``$or``. Anything else raises ``UnsupportedPattern`` naming it:
a pattern the local engine cannot evaluate is reported, never silently matched.

Input: ``input`` (constant JSON), ``input_path`` (JSONPath: ``$``, ``$.a.b``, ``$['a']``, ``$.a[0]``)
or ``input_transformer`` (``input_paths`` and an ``input_template`` with ``<name>`` placeholders, the
reserved ``<aws.events.*>`` ones included). Standard library only.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

_STRING_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
_NUMERIC = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}


class UnsupportedPattern(ValueError):
    """A pattern uses something the local engine does not evaluate; the message names it."""


class InputError(ValueError):
    """A target's input transformation cannot be applied to the event; the message says why."""


def matches(pattern: Any, event: Any) -> bool:
    """Whether ``event`` matches the EventBridge ``pattern``."""
    if not isinstance(pattern, dict):
        raise UnsupportedPattern("an event pattern must be a JSON object")
    for key, expected in pattern.items():
        if key == "$or":
            if not isinstance(expected, list) or not any(matches(p, event) for p in expected):
                return False
            continue
        present = isinstance(event, dict) and key in event
        value = event[key] if present else None
        if isinstance(expected, dict):
            if not matches(expected, value if isinstance(value, dict) else {}):
                return False
        elif isinstance(expected, list):
            if not _leaf(expected, present, value):
                return False
        else:
            raise UnsupportedPattern(f"the pattern value of {key!r} must be an array or an object, got {expected!r}")
    return True


def _leaf(alternatives: list[Any], present: bool, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for alternative in alternatives:
        if isinstance(alternative, dict):
            if _operator(alternative, present, values):
                return True
        elif present and any(_equal(alternative, v) for v in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(expected: Any, actual: Any) -> bool:
    if _is_number(expected) and _is_number(actual):
        return float(expected) == float(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return expected == actual and type(expected) is type(actual)


def _operator(spec: dict[str, Any], present: bool, values: list[Any]) -> bool:
    if len(spec) != 1:
        raise UnsupportedPattern(f"an operator object holds exactly one operator, got {sorted(spec)}")
    ((name, argument),) = spec.items()
    if name == "exists":
        return present is bool(argument)
    if not present:
        return False
    if name in _STRING_OPERATORS:
        return any(_string_operator(name, argument, v) for v in values)
    if name == "anything-but":
        return any(not _excluded(argument, v) for v in values)
    if name == "numeric":
        return any(_numeric(argument, v) for v in values)
    if name == "cidr":
        return any(_in_network(argument, v) for v in values)
    raise UnsupportedPattern(f"the operator {name!r}, which the local engine does not implement")


def _string_operator(name: str, argument: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if name in ("prefix", "suffix") and isinstance(argument, dict):
        if set(argument) != {"equals-ignore-case"}:
            raise UnsupportedPattern(f"{name} with {sorted(argument)}")
        argument, value = argument["equals-ignore-case"].casefold(), value.casefold()
    if not isinstance(argument, str):
        raise UnsupportedPattern(f"{name} takes a string, got {argument!r}")
    if name == "prefix":
        return value.startswith(argument)
    if name == "suffix":
        return value.endswith(argument)
    if name == "equals-ignore-case":
        return value.casefold() == argument.casefold()
    regex = "".join(
        ".*" if part == "*" else re.escape(part.replace("\\*", "*")) for part in re.split(r"(?<!\\)(\*)", argument)
    )
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _excluded(argument: Any, value: Any) -> bool:
    """Whether ``value`` is one of what an ``anything-but`` excludes."""
    if isinstance(argument, dict):
        if len(argument) != 1 or next(iter(argument)) not in _STRING_OPERATORS:
            raise UnsupportedPattern(f"anything-but with {sorted(argument)}")
        ((name, inner),) = argument.items()
        if isinstance(inner, list):
            return any(_string_operator(name, item, value) for item in inner)
        return _string_operator(name, inner, value)
    return any(_equal(item, value) for item in (argument if isinstance(argument, list) else [argument]))


def _numeric(conditions: Any, value: Any) -> bool:
    if not isinstance(conditions, list) or len(conditions) % 2 or not conditions:
        raise UnsupportedPattern(f"numeric takes operator/number pairs, got {conditions!r}")
    if not _is_number(value):
        return False
    for operator, bound in zip(conditions[::2], conditions[1::2], strict=True):
        if operator not in _NUMERIC or not _is_number(bound):
            raise UnsupportedPattern(f"numeric comparison {operator!r} {bound!r}")
        if not _NUMERIC[operator](float(value), float(bound)):
            return False
    return True


def _in_network(network: Any, value: Any) -> bool:
    try:
        return isinstance(value, str) and ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


# --- input transformation ----------------------------------------------------------------------------

_PATH_STEP = re.compile(r"\.([A-Za-z0-9_$@-]+)|\['([^']*)'\]|\[(\d+)\]")
_MISSING = object()


def json_path(document: Any, path: str) -> Any:
    """The value at a JSONPath of the forms EventBridge input paths use; raises InputError if absent."""
    value = _lookup(document, path)
    if value is _MISSING:
        raise InputError(f"the path {path} matches nothing in the event")
    return value


def _lookup(document: Any, path: str) -> Any:
    if not path.startswith("$"):
        raise InputError(f"a JSONPath starts with '$'; got {path!r}")
    value, at = document, 1
    while at < len(path):
        step = _PATH_STEP.match(path, at)
        if step is None:
            raise InputError(f"the local engine reads JSONPaths of the forms $.a.b, $['a'] and $.a[0]; got {path!r}")
        key, quoted, index = step.groups()
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        else:
            name = key if key is not None else quoted
            if not isinstance(value, dict) or name not in value:
                return _MISSING
            value = value[name]
        at = step.end()
    return value


def transform_input(
    event: dict[str, Any],
    *,
    input: str | None = None,
    input_path: str | None = None,
    input_transformer: dict[str, Any] | None = None,
    rule_name: str = "",
    rule_arn: str = "",
) -> Any:
    """What a target receives for ``event``: the whole event unless the target transforms it."""
    if input is not None:
        try:
            return json.loads(input)
        except json.JSONDecodeError as error:
            raise InputError(f"the target's input is not JSON ({error.msg})") from None
    if input_path is not None:
        return json_path(event, input_path)
    if input_transformer is None:
        return event
    reserved = {
        "aws.events.rule-name": rule_name,
        "aws.events.rule-arn": rule_arn,
        "aws.events.event.ingestion-time": event.get("time"),
        "aws.events.event": event,
        "aws.events.event.json": event,
    }
    variables = {name: _lookup(event, path) for name, path in (input_transformer.get("input_paths") or {}).items()}
    rendered = _render(input_transformer.get("input_template", ""), {**reserved, **variables})
    try:
        return json.loads(rendered)
    except json.JSONDecodeError:
        return rendered


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")


def _render(template: str, variables: dict[str, Any]) -> str:
    """Placeholders inside a JSON string get the bare text; elsewhere they get the value's JSON."""
    out, inside_string, at = [], False, 0
    while at < len(template):
        char = template[at]
        if inside_string and char == "\\":
            out.append(template[at : at + 2])
            at += 2
            continue
        if char == '"':
            inside_string = not inside_string
        placeholder = _PLACEHOLDER.match(template, at)
        if placeholder and placeholder.group(1) in variables:
            value = variables[placeholder.group(1)]
            value = None if value is _MISSING else value
            if inside_string:
                text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(value))
            at = placeholder.end()
            continue
        out.append(char)
        at += 1
    return "".join(out)
