"""A synthesized stack as written, and the evaluation of its expressions: the model's one evaluator.

Every expression of the file is evaluated here and nowhere else (``hcl``): references become what
they will be once deployed, in the stand-in account (``attributes``), and each value a tool shows
also gets its label (references as construct paths). Nothing it does not understand stops it: an
unknown resource type, an attribute it does not model, a function it does not evaluate or a
reference to a resource the file lacks becomes a placeholder (``<unresolved ...>``), and
``problems`` name the resource, the argument and the reference. Only a file that is not a stack at
all (not JSON, not an object of resource types) raises ``StackFileError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from local_runtime.errors import StackFileError
from local_runtime.model import attributes as stand_in
from local_runtime.model import hcl
from local_runtime.model.records import Ref

DATA_LABELS = {"aws_partition": "<partition>", "aws_region": "<region>", "aws_caller_identity": "<account>"}
_IN_PROGRESS = object()

RESOLVED, LABEL, WRITTEN = "resolved", "label", "written"
# Attributes a reader derives from other records (a policy document's ``json``), by (type, attribute).
Derived = Mapping[tuple[str, str], Callable[["Document", "Node"], Any]]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Node:
    """A resource or data source as written."""

    __slots__ = ("type", "logical_id", "body", "ref", "data")

    def __init__(self, type_: str, logical_id: str, body: dict[str, Any], path: str, data: bool) -> None:
        self.type, self.logical_id, self.body, self.data = type_, logical_id, body, data
        self.ref = Ref(type_, logical_id, path, data)

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)

    @property
    def path(self) -> str:
        return self.ref.path


def _construct_path(body: dict[str, Any], logical_id: str) -> str:
    metadata = body.get("//")
    path = metadata.get("metadata", {}).get("path") if isinstance(metadata, dict) else None
    short = path.split("/", 1)[1] if isinstance(path, str) and "/" in path else logical_id
    return re.sub(r"/Resource$", "", short)


class Scope:
    """How references and functions read in one mode: resolved values, labels, or as written."""

    def __init__(self, reader: Document, mode: str, context: str) -> None:
        self.reader, self.mode, self.context = reader, mode, context

    def reference(self, root: str, steps: Sequence[Any], text: str) -> Any:
        if self.mode == WRITTEN:
            return f"${{{text}}}"
        if self.mode == LABEL:
            return self.reader.label_reference(root, steps, text)
        return self.reader.resolve_reference(root, steps, text, self)

    def function(self, name: str, text: str) -> Callable[..., Any]:
        if name == "jsonencode" and self.mode != RESOLVED:
            return lambda value: value  # shown as the structure it encodes, as it was written
        if self.mode == WRITTEN:
            return lambda *_: f"${{{text}}}"
        if self.mode == LABEL:
            return lambda *arguments: f"{name}({', '.join(hcl.render(a) for a in arguments)})"
        implementation = self.reader.hcl_functions.get(name)
        if implementation is None:
            unresolved = hcl.Unresolved(text, f"the function {name}() is not evaluated by the local runtime")
            self.report(unresolved)
            return lambda *_: unresolved
        return implementation

    def report(self, unresolved: hcl.Unresolved) -> None:
        if self.mode == RESOLVED:
            self.reader.problem(
                f"{self.context}: cannot resolve {unresolved.text}: {unresolved.reason}", unresolved.text
            )


class Document:
    """The file's resources and data sources, what each evaluates to, and what could not be interpreted."""

    def __init__(self, name: str, document: Any, directory: Path | None, source: str, derived: Derived) -> None:
        self.name, self.directory, self.source = name, directory, source or f"stack {name}"
        if not isinstance(document, dict):
            raise StackFileError(f"{self.source}: expected a JSON object, got {type(document).__name__}")
        self.document = document
        for section in ("resource", "data"):
            if not isinstance(document.get(section, {}), dict):
                raise StackFileError(f"{self.source}: '{section}' must be an object of resource types")
        self.nodes: dict[tuple[bool, str, str], Node] = {}
        self.by_type: dict[tuple[bool, str], list[Node]] = {}
        for section, data in (("data", True), ("resource", False)):
            for type_, items in document.get(section, {}).items():
                if not isinstance(items, dict) or not all(isinstance(body, dict) for body in items.values()):
                    kind = "data source" if data else "resource"
                    raise StackFileError(f"{self.source}: {kind} type {type_!r} must map logical ids to objects")
                for logical_id, body in items.items():
                    node = Node(type_, logical_id, body, _construct_path(body, logical_id), data)
                    self.nodes[(data, type_, logical_id)] = node
                    self.by_type.setdefault((data, type_), []).append(node)
        self._problems: dict[str, str] = {}
        self._attributes: dict[tuple[Any, ...], Any] = {}
        self._computed: dict[tuple[bool, str, str], Any] = {}
        self._templates: dict[str, hcl.Node] = {}
        self.derived = derived
        self.hcl_functions: dict[str, Callable[..., Any]] = {
            **hcl.PURE_FUNCTIONS,
            **hcl.file_hashes(self.read_file),
        }
        self.account, self.partition = stand_in.ACCOUNT, stand_in.PARTITION
        self.region = stand_in.DEFAULT_REGION
        providers = document.get("provider")
        aws = as_list(providers.get("aws")) if isinstance(providers, dict) else []
        default = next((p for p in aws if isinstance(p, dict) and not p.get("alias")), None)
        if default and default.get("region"):
            region = self.resolved(default["region"], "provider aws: region")
            self.region = region if isinstance(region, str) and not region.startswith("<") else self.region

    # --- problems ----------------------------------------------------------------------------------

    def problem(self, message: str, key: str | None = None) -> None:
        self._problems.setdefault(key or message, message)

    def problems(self) -> tuple[str, ...]:
        return tuple(self._problems.values())

    def labels(self) -> dict[str, str]:
        """The construct path of every resource and data source by its ARN (a resource wins over a data
        source of the same ARN)."""
        labels: dict[str, str] = {}
        for data in (True, False):
            for node in self.nodes.values():
                if node.data == data and self.computed(node).get("arn") is not None:
                    labels[str(self.computed(node)["arn"])] = node.path
        return labels

    # --- nodes -------------------------------------------------------------------------------------

    def resources(self, type_: str) -> list[Node]:
        return self.by_type.get((False, type_), [])

    def data_sources(self, type_: str) -> list[Node]:
        return self.by_type.get((True, type_), [])

    def referenced(self, expression: Any) -> Node | None:
        """The node an expression is exactly one reference to (any attribute), or None."""
        if not isinstance(expression, str):
            return None
        node = self.template(expression)
        if node[0] == "tmpl" and len(node[1]) == 1 and not isinstance(node[1][0], str):
            node = node[1][0]
        if node[0] != "ref":
            return None
        return self.node_of(node[2], node[3])

    def references_in(self, expression: Any) -> Iterable[Node]:
        """Every node a template's interpolations refer to."""
        if not isinstance(expression, str):
            return []
        node = self.template(expression)
        parts = node[1] if node[0] == "tmpl" else [node]
        found = []
        for part in parts:
            if isinstance(part, tuple) and part[0] == "ref":
                target = self.node_of(part[2], part[3])
                if target is not None:
                    found.append(target)
        return found

    def node_of(self, root: str, steps: Sequence[Any]) -> Node | None:
        if root == "data":
            if len(steps) < 2 or steps[0][0] != "attr" or steps[1][0] != "attr":
                return None
            return self.nodes.get((True, steps[0][1], steps[1][1]))
        if not steps or steps[0][0] != "attr":
            return None
        return self.nodes.get((False, root, steps[0][1]))

    # --- evaluation --------------------------------------------------------------------------------

    def template(self, text: str) -> hcl.Node:
        node = self._templates.get(text)
        if node is None:
            try:
                node = hcl.parse_template(text)
            except hcl.HclSyntaxError as error:
                node = ("unsupported", f"text the reader cannot parse ({error})", text)
            self._templates[text] = node
        return node

    def evaluate(self, raw: Any, mode: str, context: str) -> Any:
        """``raw`` (a value as written) in ``mode``; cdktf's ``//`` metadata left out."""
        if isinstance(raw, dict):
            return {k: self.evaluate(v, mode, context) for k, v in raw.items() if k != "//"}
        if isinstance(raw, list):
            return [self.evaluate(v, mode, context) for v in raw]
        if not isinstance(raw, str):
            return raw
        node = self.template(raw)
        if node[0] == "lit":
            return node[1]
        scope = Scope(self, mode, context)
        value = hcl.evaluate(node, scope)
        if isinstance(value, hcl.Unresolved):
            scope.report(value)
            return value.placeholder()
        return _placeholders(value)

    def resolved(self, raw: Any, context: str) -> Any:
        return self.evaluate(raw, RESOLVED, context)

    def labelled(self, raw: Any) -> Any:
        return self.evaluate(raw, LABEL, "")

    def json_argument(self, raw: Any, mode: str, context: str) -> Any:
        """A JSON-valued argument (``jsonencode(...)``, or a JSON string with interpolations) as data."""
        if not isinstance(raw, str):
            return self.evaluate(raw, mode, context)
        node = self.template(raw)
        single = node[1][0] if node[0] == "tmpl" and len(node[1]) == 1 else None
        if isinstance(single, tuple) and single[0] == "call" and single[1] == "jsonencode" and len(single[2]) == 1:
            scope = Scope(self, mode, context)
            value = hcl.evaluate(single[2][0], scope)
            return _placeholders(value) if not isinstance(value, hcl.Unresolved) else value.placeholder()
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            text = self.evaluate(raw, mode, context)
            try:
                return json.loads(text) if isinstance(text, str) else text
            except json.JSONDecodeError as error:
                if mode == RESOLVED:
                    self.problem(f"{context}: {raw[:60]!r} is not JSON ({error.msg})")
                return None
        return self.evaluate(parsed, mode, context)

    def read_file(self, path: str) -> bytes:
        """A file as Terraform's ``file*`` functions read it: absolute as given, else from the stack's
        folder (Terraform's working directory for the stack), wherever that leads."""
        if Path(path).is_absolute():
            return Path(path).read_bytes()
        if self.directory is None:
            raise OSError("the stack has no folder")
        return (self.directory / path).resolve().read_bytes()

    # --- references ---------------------------------------------------------------------------------

    def resolve_reference(self, root: str, steps: Sequence[Any], text: str, scope: Scope) -> Any:
        if root == "path":
            return "."  # path.module, path.root, path.cwd: the stack's folder, where its assets lie
        if root in ("var", "local"):
            return self._variable(root, steps, text, scope)
        node = self.node_of(root, steps)
        attribute_steps = steps[2:] if root == "data" else steps[1:]
        if node is None:
            if root in ("each", "count", "self", "module", "terraform"):
                return self._unresolved(scope, text, f"{root}.* references are not evaluated by the local runtime")
            names = (
                ".".join(str(s[1]) for s in steps[:2]) if root == "data" else f"{root}.{steps[0][1] if steps else ''}"
            )
            kind = "data source" if root == "data" else "resource"
            return self._unresolved(scope, text, f"it names {kind} {names}, which is not in the file")
        if not attribute_steps or attribute_steps[0][0] != "attr":
            return self._unresolved(scope, text, "a whole resource is not a value the local runtime evaluates")
        value = self.attribute(node, attribute_steps[0][1], scope)
        for step in attribute_steps[1:]:
            value = hcl.step_into(value, step, scope, text)
        if isinstance(value, hcl.Unresolved) and value.text != text:
            value = hcl.Unresolved(text, value.reason)
        if isinstance(value, hcl.Unresolved):
            scope.report(value)
        return value

    def _unresolved(self, scope: Scope, text: str, reason: str) -> hcl.Unresolved:
        unresolved = hcl.Unresolved(text, reason)
        scope.report(unresolved)
        return unresolved

    def _variable(self, root: str, steps: Sequence[Any], text: str, scope: Scope) -> Any:
        if not steps or steps[0][0] != "attr":
            return self._unresolved(scope, text, "an incomplete reference")
        name = steps[0][1]
        if root == "var":
            declared = self.document.get("variable", {}).get(name)
            if not isinstance(declared, dict) or "default" not in declared:
                return self._unresolved(scope, text, f"variable {name} has no default (its value comes at plan time)")
            value = self.evaluate(declared["default"], scope.mode, scope.context)
        else:
            locals_ = {}
            for block in as_list(self.document.get("locals")):
                if isinstance(block, dict):
                    locals_.update(block)
            if name not in locals_:
                return self._unresolved(scope, text, f"local value {name} is not in the file")
            value = self.evaluate(locals_[name], scope.mode, scope.context)
        for step in steps[1:]:
            value = hcl.step_into(value, step, scope, text)
        return value

    def attribute(self, node: Node, name: str, scope: Scope | None = None) -> Any:
        """What ``node.name`` will be once deployed (computed by AWS, or the argument as set)."""
        key = (node.data, node.type, node.logical_id, name)
        value = self._attributes.get(key)
        if value is _IN_PROGRESS:
            return hcl.Unresolved(f"{node.ref}.{name}", "it refers to itself")
        if value is not None or key in self._attributes:
            return value
        self._attributes[key] = _IN_PROGRESS
        computed = self.computed(node)
        if name in computed:
            value = computed[name]
        elif (node.type, name) in self.derived:
            value = self.derived[(node.type, name)](self, node)
        elif name in node.body:
            value = self.resolved(node.body[name], f"{node.ref} ({node.path}): {name}")
        elif not computed and not any(node.type == type_ for type_, _ in self.derived):
            kind = "data source" if node.data else "resource"
            value = hcl.Unresolved(
                f"{node.ref}.{name}", f"the local runtime does not model the {kind} type {node.type}"
            )
        else:
            value = hcl.Unresolved(
                f"{node.ref}.{name}", f"the local runtime does not model the attribute {name} of {node.type}"
            )
        self._attributes[key] = value
        return value

    def computed(self, node: Node) -> dict[str, Any]:
        key = (node.data, node.type, node.logical_id)
        found = self._computed.get(key)
        if found is _IN_PROGRESS:
            return {}
        if found is None:
            self._computed[key] = _IN_PROGRESS
            context = f"{node.ref} ({node.path})"

            def argument(name: str) -> Any:
                return self.resolved(node.body[name], f"{context}: {name}") if name in node.body else None

            found = stand_in.attributes(
                node.type, node.logical_id, node.data, argument, self.region, self.account, self.partition
            )
            self._computed[key] = found
        return found

    def arn_of(self, node: Node) -> str | None:
        value = self.attribute(node, "arn")
        return value if isinstance(value, str) else None

    # --- labels ------------------------------------------------------------------------------------

    def label_reference(self, root: str, steps: Sequence[Any], text: str) -> str:
        if root in ("var", "local", "path"):
            return text
        node = self.node_of(root, steps)
        attribute_steps = steps[2:] if root == "data" else steps[1:]
        if node is None:
            return f"<unresolved {text}>"
        if node.data and node.type in DATA_LABELS:
            return DATA_LABELS[node.type]
        attribute = attribute_steps[0][1] if attribute_steps else ""
        suffix = "" if attribute == "arn" else f".{attribute}"
        rest = "".join(hcl._step_text(s) for s in attribute_steps[1:])
        return f"{node.type.removeprefix('aws_')}:{node.path}{suffix}{rest}"

    def names_node(self, expression: Any, node: Node, *attributes: str) -> bool:
        """Whether ``expression`` refers to ``node``, or resolves to one of its ``attributes``."""
        if self.referenced(expression) is node:
            return True
        value = self.resolved(expression, "") if isinstance(expression, str) else expression
        return any(value == self.attribute(node, a) for a in attributes)

    def integer(self, node: Node, key: str, default: int | None) -> int | None:
        if key not in node.body:
            return default
        value = self.resolved(node.body[key], f"{node.ref} ({node.path}): {key}")
        try:
            return int(value)
        except (TypeError, ValueError):
            self.problem(f"{node.ref} ({node.path}): {key} is {value!r}, not a whole number: read as {default}")
            return default


# --- helpers -----------------------------------------------------------------------------------------


def _placeholders(value: Any) -> Any:
    """``Unresolved`` parts of a structure as their placeholder text."""
    if isinstance(value, hcl.Unresolved):
        return value.placeholder()
    if isinstance(value, dict):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def optional_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
