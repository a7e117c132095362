"""The Terraform expressions a ``cdk.tf.json`` holds, parsed and evaluated.

In Terraform's JSON syntax every string is a template: literal text with ``${ expression }``
interpolations (``$${`` is a literal ``${``). cdktf writes references there
(``${aws_lambda_function.First.arn}``), function calls (``${jsonencode({...})}``,
``${filebase64sha256("assets/...")}``) and, inside ``jsonencode``, HCL's native syntax: objects
``{"a" = 1}``, tuples, and *bare* references (``aws_lambda_function.Target.qualified_arn``, no
``${}``). This module reads the expression language those forms use: literals, templates, tuples,
objects, traversals (``a.b[0].c``), function calls, unary and binary operators, the conditional
operator. ``for`` expressions, splats and template directives (``%{ if }``) are recognised and
reported as not evaluated, never guessed.

Evaluation is pure: ``evaluate(node, scope)`` asks the scope for what a reference is and for the
functions; anything the scope cannot say comes back as ``Unresolved`` (with the reason), which a
template renders as ``<unresolved TEXT>``. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# --- syntax tree -------------------------------------------------------------------------------------
# Nodes are small tuples, tagged by their first item:
#   ("lit", value)                    ("tmpl", (part, ...))  part: str or node
#   ("ref", text, root, (step, ...))  step: ("attr", name) or ("index", node); text as written
#   ("call", name, (arg, ...), text)  ("tuple", (node, ...))  ("object", ((key node, value node), ...))
#   ("unop", op, node)  ("binop", op, left, right)  ("cond", test, then, else)
#   ("get", node, step)               ("unsupported", what, text)
Node = tuple[Any, ...]


class HclSyntaxError(ValueError):
    """The text is not an expression this reader understands; the message says where."""


@dataclass(frozen=True)
class Unresolved:
    """A value the scope could not give: ``text`` is the expression as written, ``reason`` why."""

    text: str
    reason: str

    def placeholder(self) -> str:
        return f"<unresolved {self.text}>"


_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "/", "%")
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5}
_PRECEDENCE.update({"*": 6, "/": 6, "%": 6})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    # --- helpers ---------------------------------------------------------------------------------

    def fail(self, what: str) -> HclSyntaxError:
        return HclSyntaxError(f"{what} at {self.text[self.at : self.at + 30]!r}")

    def space(self) -> None:
        text, at = self.text, self.at
        while at < len(text):
            if text[at] in " \t\r\n":
                at += 1
            elif text.startswith(("#", "//"), at):
                end = text.find("\n", at)
                at = len(text) if end < 0 else end
            elif text.startswith("/*", at):
                end = text.find("*/", at)
                at = len(text) if end < 0 else end + 2
            else:
                break
        self.at = at

    def peek(self, token: str) -> bool:
        self.space()
        return self.text.startswith(token, self.at)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.at += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise self.fail(f"expected {token!r}")

    # --- templates -------------------------------------------------------------------------------

    def template(self, closing: str | None) -> Node:
        """Literal text and interpolations up to ``closing`` (a quote) or the end of the text."""
        parts: list[Any] = []
        literal: list[str] = []
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if closing is not None and char == closing:
                self.at += 1
                break
            if closing is not None and char == "\\":
                escaped = text[self.at + 1 : self.at + 2]
                if escaped == "u":
                    literal.append(chr(int(text[self.at + 2 : self.at + 6], 16)))
                    self.at += 6
                else:
                    literal.append(_ESCAPES.get(escaped, escaped))
                    self.at += 2
                continue
            if text.startswith(("$${", "%%{"), self.at):
                literal.append(text[self.at + 1 : self.at + 3])
                self.at += 3
                continue
            if text.startswith("${", self.at) or text.startswith("%{", self.at):
                directive = char == "%"
                start = self.at
                self.at += 2
                if literal:
                    parts.append("".join(literal))
                    literal = []
                if directive:
                    end = text.find("}", self.at)
                    self.at = len(text) if end < 0 else end + 1
                    parts.append(("unsupported", "a template directive", text[start : self.at]))
                    continue
                self.take("~")
                node = self.expression()
                self.take("~")
                self.expect("}")
                parts.append(node)
                continue
            literal.append(char)
            self.at += 1
        else:
            if closing is not None:
                raise HclSyntaxError("unterminated string")
        if literal:
            parts.append("".join(literal))
        if not parts:
            return ("lit", "")
        if len(parts) == 1 and isinstance(parts[0], str):
            return ("lit", parts[0])
        return ("tmpl", tuple(parts))

    # --- expressions -----------------------------------------------------------------------------

    def expression(self) -> Node:
        test = self.binary(0)
        if self.take("?"):
            then = self.expression()
            self.expect(":")
            return ("cond", test, then, self.expression())
        return test

    def binary(self, floor: int) -> Node:
        left = self.unary()
        while True:
            self.space()
            operator = next((op for op in _OPERATORS if self.text.startswith(op, self.at)), None)
            # "=>" (for expressions) and "==" must not read as "="; a lone "=" is not an operator
            if operator is None or _PRECEDENCE[operator] <= floor:
                return left
            self.at += len(operator)
            left = ("binop", operator, left, self.binary(_PRECEDENCE[operator]))

    def unary(self) -> Node:
        if self.take("!"):
            return ("unop", "!", self.unary())
        if self.peek("-") and not self.text.startswith("->", self.at):
            self.at += 1
            return ("unop", "-", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.peek(".*") or self.peek("[*]"):
                start = self.at
                self.at += 2 if self.text.startswith(".*", self.at) else 3
                return ("unsupported", "a splat expression", self.text[start : self.at])
            if self.take("."):
                self.space()
                number = _NUMBER.match(self.text, self.at)
                name = _IDENTIFIER.match(self.text, self.at)
                if number and not name:
                    self.at = number.end()
                    step: Any = ("index", ("lit", int(number.group())))
                elif name:
                    self.at = name.end()
                    step = ("attr", name.group())
                else:
                    raise self.fail("expected an attribute name")
            elif self.take("["):
                step = ("index", self.expression())
                self.expect("]")
            else:
                return node
            if node[0] == "ref":
                node = ("ref", node[1] + _step_text(step), node[2], (*node[3], step))
            else:
                node = ("get", node, step)

    def primary(self) -> Node:
        self.space()
        text, at = self.text, self.at
        if at >= len(text):
            raise self.fail("expected an expression")
        char = text[at]
        if char == '"':
            self.at += 1
            return self.template('"')
        if text.startswith("<<", at):
            return self.heredoc()
        if char == "(":
            self.at += 1
            node = self.expression()
            self.expect(")")
            return node
        if char == "[":
            return self.collection("]")
        if char == "{":
            return self.collection("}")
        number = _NUMBER.match(text, at)
        if number:
            self.at = number.end()
            return ("lit", json.loads(number.group()))
        name = _IDENTIFIER.match(text, at)
        if not name:
            raise self.fail("unexpected")
        self.at = name.end()
        word = name.group()
        if word in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[word])
        if self.peek("("):
            return self.call(word, at)
        return ("ref", word, word, ())

    def heredoc(self) -> Node:
        match = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n").match(self.text, self.at)
        if not match:
            raise self.fail("expected a heredoc")
        end = re.compile(rf"\n[ \t]*{match.group(2)}(?![A-Za-z0-9_])").search(self.text, match.end() - 1)
        if not end:
            raise HclSyntaxError(f"unterminated heredoc {match.group(2)}")
        body = self.text[match.end() : end.start() + 1]
        self.at = end.end()
        return _Parser(body).template(None)

    def call(self, name: str, start: int) -> Node:
        self.expect("(")
        arguments = []
        while not self.take(")"):
            arguments.append(self.expression())
            self.take("...")
            if not self.take(","):
                self.expect(")")
                break
        return ("call", name, tuple(arguments), self.text[start : self.at])

    def collection(self, closing: str) -> Node:
        start = self.at
        self.at += 1
        self.space()
        if re.compile(r"for\s").match(self.text, self.at):
            depth, at = 1, self.at
            while at < len(self.text) and depth:
                depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(self.text[at], 0)
                at += 1
            self.at = at
            return ("unsupported", "a for expression", self.text[start:at])
        items: list[Any] = []
        while not self.take(closing):
            if closing == "}":
                key = self.key()
                self.space()
                if not (self.take("=") or self.take(":")):
                    raise self.fail("expected '=' or ':' after an object key")
                items.append((key, self.expression()))
            else:
                items.append(self.expression())
            # Object items may also be separated by newlines alone (consumed as space).
            if not self.take(",") and closing == "]" and not self.peek(closing):
                raise self.fail(f"expected ',' or {closing!r}")
        return ("object", tuple(items)) if closing == "}" else ("tuple", tuple(items))

    def key(self) -> Node:
        self.space()
        name = _IDENTIFIER.match(self.text, self.at)
        if name and not self.text.startswith((".", "["), name.end()):
            self.at = name.end()
            return ("lit", name.group())
        if self.peek("("):
            self.at += 1
            node = self.expression()
            self.expect(")")
            return node
        return self.expression()


def _step_text(step: Any) -> str:
    if step[0] == "attr":
        return f".{step[1]}"
    index = step[1]
    return f"[{json.dumps(index[1])}]" if index[0] == "lit" else "[...]"


def parse_expression(text: str) -> Node:
    """One HCL expression (what ``jsonencode(...)`` wraps, or a ``${...}`` body)."""
    parser = _Parser(text)
    node = parser.expression()
    parser.space()
    if parser.at != len(text):
        raise parser.fail("unexpected")
    return node


def parse_template(text: str) -> Node:
    """A JSON-syntax string: literal text with ``${...}`` interpolations."""
    if "${" not in text and "%{" not in text:
        return ("lit", text)
    return _Parser(text).template(None)


# --- evaluation -------------------------------------------------------------------------------------


class Scope(Protocol):
    """What an expression's names mean: references, and the functions it may call."""

    def reference(self, root: str, steps: Sequence[Any], text: str) -> Any:
        """The value of a traversal (``root`` and its attribute/index steps); ``Unresolved`` if unknown."""

    def function(self, name: str, text: str) -> Callable[..., Any]:
        """The implementation of a function (``text``: the call as written)."""

    def report(self, unresolved: Unresolved) -> None:
        """Told of every part that could not be evaluated, where it arises."""


def evaluate(node: Node, scope: Scope) -> Any:
    """The value of ``node``; parts that cannot be evaluated are ``Unresolved`` (or, in text, placeholders)."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "tmpl":
        out = []
        for part in node[1]:
            if isinstance(part, str):
                out.append(part)
                continue
            value = evaluate(part, scope)
            if len(node[1]) == 1:
                return value  # "${expr}" alone keeps the expression's own type
            out.append(render(value))
        return "".join(out)
    if kind == "ref":
        return scope.reference(node[2], node[3], node[1])
    if kind == "call":
        function = scope.function(node[1], node[3])
        arguments = [evaluate(argument, scope) for argument in node[2]]
        missing = next((a for a in arguments if isinstance(a, Unresolved)), None)
        if missing is not None and node[1] != "jsonencode":
            return missing
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError, StopIteration, OSError) as error:
            failed = Unresolved(node[3], f"{node[1]}() failed: {error}")
            scope.report(failed)
            return failed
    if kind == "tuple":
        return [evaluate(item, scope) for item in node[1]]
    if kind == "object":
        result = {}
        for key, value in node[1]:
            name = evaluate(key, scope)
            result[name if isinstance(name, str) else render(name)] = evaluate(value, scope)
        return result
    if kind == "get":
        return step_into(evaluate(node[1], scope), node[2], scope, "expression")
    if kind == "unop":
        value = evaluate(node[2], scope)
        if isinstance(value, Unresolved):
            return value
        return (not value) if node[1] == "!" else -value
    if kind == "binop":
        return _binary(node[1], evaluate(node[2], scope), evaluate(node[3], scope))
    if kind == "cond":
        test = evaluate(node[1], scope)
        if isinstance(test, Unresolved):
            return test
        return evaluate(node[2] if test else node[3], scope)
    if kind == "unsupported":
        unsupported = Unresolved(node[2], f"{node[1]} is not evaluated by the local runtime")
        scope.report(unsupported)
        return unsupported
    raise AssertionError(kind)


def step_into(value: Any, step: Any, scope: Scope, text: str) -> Any:
    """``value.name`` or ``value[index]``; a block written as one object answers index 0 itself."""
    if isinstance(value, Unresolved):
        return value
    if step[0] == "attr":
        key: Any = step[1]
    else:
        key = evaluate(step[1], scope)
        if isinstance(key, Unresolved):
            return key
    if isinstance(value, dict):
        if key == 0 and 0 not in value and "0" not in value:
            return value  # cdk.tf.json writes a single block as an object; HCL indexes it as a list
        if str(key) in value:
            return value[str(key)]
    elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    return Unresolved(text, f"{_step_text(step if step[0] == 'attr' else ('index', ('lit', key)))} is not there")


def _binary(operator: str, left: Any, right: Any) -> Any:
    for side in (left, right):
        if isinstance(side, Unresolved):
            return side
    if operator == "==":
        return left == right
    if operator == "!=":
        return left != right
    if operator == "&&":
        return bool(left) and bool(right)
    if operator == "||":
        return bool(left) or bool(right)
    numbers = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__, "/": float.__truediv__}
    numbers.update({"%": float.__mod__, "<": float.__lt__, "<=": float.__le__, ">": float.__gt__})
    numbers[">="] = float.__ge__
    result = numbers[operator](float(left), float(right))
    return int(result) if isinstance(result, float) and result.is_integer() and operator in "+-*%" else result


def render(value: Any) -> str:
    """A value as it appears inside a template (Terraform's string conversion)."""
    if isinstance(value, Unresolved):
        return value.placeholder()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def jsonencode(value: Any) -> str:
    """Terraform's ``jsonencode``: minified, object keys sorted; unresolved parts as placeholders."""
    return json.dumps(_plain(value), separators=(",", ":"), sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Unresolved):
        return value.placeholder()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def file_hashes(read: Callable[[str], bytes]) -> dict[str, Callable[..., Any]]:
    """The ``file*`` functions, reading through ``read`` (which decides what may be read)."""
    return {
        "file": lambda path: read(path).decode(),
        "filebase64": lambda path: base64.b64encode(read(path)).decode(),
        "filebase64sha256": lambda path: base64.b64encode(hashlib.sha256(read(path)).digest()).decode(),
        "filesha256": lambda path: hashlib.sha256(read(path)).hexdigest(),
        "filemd5": lambda path: hashlib.md5(read(path)).hexdigest(),  # noqa: S324 - Terraform's filemd5
    }


def _element(values: list[Any], index: int) -> Any:
    return values[int(index) % len(values)]


def _lookup(mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


# Functions whose result depends only on their arguments (the file functions need a reader: file_hashes).
PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": jsonencode,
    "jsondecode": json.loads,
    "tostring": render,
    "tonumber": lambda value: json.loads(str(value)),
    "tobool": lambda value: value if isinstance(value, bool) else {"true": True, "false": False}[value],
    "tolist": list,
    "toset": lambda values: sorted(set(values), key=str),
    "tomap": dict,
    "join": lambda separator, *lists: separator.join(render(v) for values in lists for v in values),
    "split": lambda separator, text: text.split(separator),
    "format": lambda spec, *args: re.sub(r"%[sdv]", "{}", spec).format(*(render(a) for a in args)),
    "lower": str.lower,
    "upper": str.upper,
    "trimspace": str.strip,
    "replace": lambda text, old, new: text.replace(old, new),
    "substr": lambda text, offset, length: text[offset:] if length == -1 else text[offset : offset + length],
    "element": _element,
    "lookup": _lookup,
    "concat": lambda *lists: [v for values in lists for v in values],
    "merge": lambda *maps: {k: v for mapping in maps for k, v in mapping.items()},
    "length": len,
    "keys": lambda mapping: sorted(mapping),
    "values": lambda mapping: [mapping[k] for k in sorted(mapping)],
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "compact": lambda values: [v for v in values if v not in (None, "")],
    "flatten": lambda values: [v for item in values for v in (item if isinstance(item, list) else [item])],
    "distinct": lambda values: list(dict.fromkeys(values)),
    "contains": lambda values, value: value in values,
    "base64encode": lambda text: base64.b64encode(text.encode()).decode(),
    "base64decode": lambda text: base64.b64decode(text).decode(),
    "base64sha256": lambda text: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode(),
    "sha256": lambda text: hashlib.sha256(text.encode()).hexdigest(),
    "md5": lambda text: hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - Terraform's md5
    "abs": abs,
    "max": max,
    "min": min,
}
