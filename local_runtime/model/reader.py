"""Read a ``cdk.tf.json`` into the resolved model (``records.StackModel``), once.

Every expression of the file is evaluated here and nowhere else (``hcl``): references become what
they will be once deployed, in the stand-in account (``attributes``), and each value a tool shows
also gets its label (references as construct paths). Nothing the reader does not understand stops
it: an unknown resource type, an attribute it does not model, a function it does not evaluate or
a reference to a resource the file lacks becomes a placeholder (``<unresolved ...>``), and the
model's ``problems`` name the resource, the argument and the reference. Only a file that is not a
stack at all (not JSON, not an object of resource types) raises ``StackFileError``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from local_runtime.errors import StackFileError
from local_runtime.model import attributes as stand_in
from local_runtime.model import hcl
from local_runtime.model.managed_policies import aws_managed, is_aws_managed
from local_runtime.model.records import (
    DEFAULT_MAX_EVENT_AGE,
    DEFAULT_MEMORY,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    LATEST,
    Alias,
    Bucket,
    BucketNotification,
    Bus,
    Code,
    Condition,
    EventSourceMapping,
    Function,
    HttpApi,
    InvokeConfig,
    Permission,
    Policy,
    Principal,
    Queue,
    Redrive,
    Ref,
    Requirement,
    Role,
    Route,
    Rule,
    RuleTarget,
    StackModel,
    Statement,
    Subscription,
    Table,
    Target,
    Topic,
    function_reference,
)

DATA_LABELS = {"aws_partition": "<partition>", "aws_region": "<region>", "aws_caller_identity": "<account>"}
KINDS = {"lambda": "lambda", "sqs": "sqs", "sns": "sns", "events": "eventbridge", "s3": "s3"}
_IN_PROGRESS = object()

RESOLVED, LABEL, WRITTEN = "resolved", "label", "written"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def kind_of(arn: str) -> str:
    """What an ARN is, for deliveries: lambda, sqs, sns, eventbridge, s3, another service, or unknown."""
    parts = arn.split(":")
    return KINDS.get(parts[2], parts[2]) if len(parts) > 5 and parts[0] == "arn" else "unknown"


class _Node:
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


class _Scope:
    """How references and functions read in one mode: resolved values, labels, or as written."""

    def __init__(self, reader: _Reader, mode: str, context: str) -> None:
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
        implementation = self.reader.functions.get(name)
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


class _Reader:
    def __init__(self, name: str, document: Any, directory: Path | None, source: str) -> None:
        self.name, self.directory, self.source = name, directory, source or f"stack {name}"
        if not isinstance(document, dict):
            raise StackFileError(f"{self.source}: expected a JSON object, got {type(document).__name__}")
        self.document = document
        for section in ("resource", "data"):
            if not isinstance(document.get(section, {}), dict):
                raise StackFileError(f"{self.source}: '{section}' must be an object of resource types")
        self.nodes: dict[tuple[bool, str, str], _Node] = {}
        self.by_type: dict[tuple[bool, str], list[_Node]] = {}
        for section, data in (("data", True), ("resource", False)):
            for type_, items in document.get(section, {}).items():
                if not isinstance(items, dict) or not all(isinstance(body, dict) for body in items.values()):
                    kind = "data source" if data else "resource"
                    raise StackFileError(f"{self.source}: {kind} type {type_!r} must map logical ids to objects")
                for logical_id, body in items.items():
                    node = _Node(type_, logical_id, body, _construct_path(body, logical_id), data)
                    self.nodes[(data, type_, logical_id)] = node
                    self.by_type.setdefault((data, type_), []).append(node)
        self._problems: dict[str, str] = {}
        self._attributes: dict[tuple[Any, ...], Any] = {}
        self._computed: dict[tuple[bool, str, str], Any] = {}
        self._templates: dict[str, hcl.Node] = {}
        self.functions: dict[str, Callable[..., Any]] = {**hcl.PURE_FUNCTIONS, **hcl.file_hashes(self.read_file)}
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

    # --- nodes -------------------------------------------------------------------------------------

    def resources(self, type_: str) -> list[_Node]:
        return self.by_type.get((False, type_), [])

    def data_sources(self, type_: str) -> list[_Node]:
        return self.by_type.get((True, type_), [])

    def referenced(self, expression: Any) -> _Node | None:
        """The node an expression is exactly one reference to (any attribute), or None."""
        if not isinstance(expression, str):
            return None
        node = self.template(expression)
        if node[0] == "tmpl" and len(node[1]) == 1 and not isinstance(node[1][0], str):
            node = node[1][0]
        if node[0] != "ref":
            return None
        return self.node_of(node[2], node[3])

    def references_in(self, expression: Any) -> Iterable[_Node]:
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

    def node_of(self, root: str, steps: Sequence[Any]) -> _Node | None:
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
        scope = _Scope(self, mode, context)
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
            scope = _Scope(self, mode, context)
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
        """A file of the stack's folder (Terraform's working directory for the stack); nothing outside it."""
        if self.directory is None:
            raise OSError("the stack has no folder")
        root = self.directory.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise OSError(f"{path} is outside the stack's folder")
        return target.read_bytes()

    # --- references ---------------------------------------------------------------------------------

    def resolve_reference(self, root: str, steps: Sequence[Any], text: str, scope: _Scope) -> Any:
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

    def _unresolved(self, scope: _Scope, text: str, reason: str) -> hcl.Unresolved:
        unresolved = hcl.Unresolved(text, reason)
        scope.report(unresolved)
        return unresolved

    def _variable(self, root: str, steps: Sequence[Any], text: str, scope: _Scope) -> Any:
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

    def attribute(self, node: _Node, name: str, scope: _Scope | None = None) -> Any:
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
        elif node.data and node.type == "aws_iam_policy_document" and name in ("json", "minified_json"):
            value = json.dumps(self.policy_document_json(node), separators=(",", ":"))
        elif name in node.body:
            value = self.resolved(node.body[name], f"{node.ref} ({node.path}): {name}")
        elif not computed and not (node.data and node.type == "aws_iam_policy_document"):
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

    def computed(self, node: _Node) -> dict[str, Any]:
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

    def arn_of(self, node: _Node) -> str | None:
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

    # --- IAM -----------------------------------------------------------------------------------------

    def statement(self, written: Any, resolved: Any, label: Any) -> Statement | None:
        if not isinstance(resolved, dict):
            return None
        get = lambda raw, *keys: next((raw[k] for k in keys if isinstance(raw, dict) and k in raw), None)  # noqa: E731
        strings = lambda values: tuple(hcl.render(v) for v in as_list(values))  # noqa: E731
        resources = get(resolved, "resources", "Resource")
        return Statement(
            effect=str(get(resolved, "effect", "Effect") or "Allow"),
            actions=strings(get(resolved, "actions", "Action")),
            not_actions=strings(get(resolved, "not_actions", "NotAction")),
            resources=strings(resources),
            not_resources=strings(get(resolved, "not_resources", "NotResource")),
            principals=_principals(get(resolved, "principals", "Principal")),
            not_principals=_principals(get(resolved, "not_principals", "NotPrincipal")),
            conditions=_conditions(get(resolved, "condition", "Condition")),
            sid=get(resolved, "sid", "Sid"),
            resource_labels=strings(get(label, "resources", "Resource")) if label is not None else strings(resources),
            written=written if isinstance(written, dict) else {},
        )

    def policy(self, raw: Any, context: str) -> tuple[Statement, ...]:
        """The statements of a policy argument: a policy-document data source, jsonencode, or JSON text."""
        document = self.referenced(raw)
        if document is not None and document.data and document.type == "aws_iam_policy_document":
            return tuple(s for s in (self._document_statements(document)) if s is not None)
        resolved = self.json_argument(raw, RESOLVED, context)
        if not isinstance(resolved, dict):
            if resolved is not None:
                self.problem(f"{context}: {str(raw)[:60]!r} is not a policy document")
            return ()
        label = self.json_argument(raw, LABEL, context)
        written = self.json_argument(raw, WRITTEN, context)
        statements = []
        for index, item in enumerate(as_list(resolved.get("Statement"))):
            statement = self.statement(_item(written, "Statement", index), item, _item(label, "Statement", index))
            if statement is not None:
                statements.append(statement)
        return tuple(statements)

    def _document_statements(self, document: _Node) -> list[Statement | None]:
        context = f"{document.ref} ({document.path})"
        found: list[Statement | None] = []
        for source in as_list(document.get("source_policy_documents")):
            found += self.policy(source, f"{context}: source_policy_documents")
        blocks = as_list(document.get("statement"))
        for block in blocks:
            found.append(self.statement(block, self.resolved(block, context), self.labelled(block)))
        for override in as_list(document.get("override_policy_documents")):
            overrides = self.policy(override, f"{context}: override_policy_documents")
            sids = {s.sid for s in overrides if s is not None and s.sid}
            found = [s for s in found if s is None or s.sid not in sids] + list(overrides)
        return found

    def policy_document_json(self, document: _Node) -> dict[str, Any]:
        statements = []
        for statement in self._document_statements(document):
            if statement is None:
                continue
            rendered: dict[str, Any] = {"Effect": statement.effect}
            if statement.sid:
                rendered["Sid"] = statement.sid
            for target, values in (
                ("Action", statement.actions),
                ("NotAction", statement.not_actions),
                ("Resource", statement.resources),
                ("NotResource", statement.not_resources),
            ):
                if values:
                    rendered[target] = list(values)
            if statement.principals:
                rendered["Principal"] = {p.type: list(p.identifiers) for p in statement.principals}
            if statement.conditions:
                condition: dict[str, Any] = {}
                for c in statement.conditions:
                    condition.setdefault(c.test, {})[c.variable] = list(c.values)
                rendered["Condition"] = condition
            statements.append(rendered)
        return {"Version": "2012-10-17", "Statement": statements}

    def names_node(self, expression: Any, node: _Node, *attributes: str) -> bool:
        """Whether ``expression`` refers to ``node``, or resolves to one of its ``attributes``."""
        if self.referenced(expression) is node:
            return True
        value = self.resolved(expression, "") if isinstance(expression, str) else expression
        return any(value == self.attribute(node, a) for a in attributes)

    # --- the model ---------------------------------------------------------------------------------

    def read(self) -> StackModel:
        roles = {node.logical_id: self.role(node) for node in self.resources("aws_iam_role")}
        functions = {}
        for node in self.resources("aws_lambda_function"):
            function = self.function(node, roles)
            functions[function.path] = function
        self.functions_by_name = {f.name: f for f in functions.values()}
        aliases = self.aliases()
        queues = {q.arn: q for q in (self.queue(n) for n in self.resources("aws_sqs_queue"))}
        topics = {t.arn: t for t in (self.topic(n) for n in self.resources("aws_sns_topic"))}
        buses = {
            "default": Bus(
                None, "default", f"arn:{self.partition}:events:{self.region}:{self.account}:event-bus/default"
            )
        }
        for node in self.resources("aws_cloudwatch_event_bus"):
            name = self.attribute(node, "name")
            buses[name] = Bus(node.ref, name, self.attribute(node, "arn"))
        buckets = {}
        for node in self.resources("aws_s3_bucket"):
            buckets[self.attribute(node, "arn")] = Bucket(
                node.ref, self.attribute(node, "bucket"), self.attribute(node, "arn")
            )
        self.queues, self.topics, self.buses, self.buckets = queues, topics, buses, buckets
        for node in self.resources("aws_s3_bucket_notification"):
            self.bucket_notification(node)
        functions = {path: self.with_dead_letter(function) for path, function in functions.items()}
        self.functions_by_name = {f.name: f for f in functions.values()}
        tables = {t.name: t for t in (self.table(n) for n in self.resources("aws_dynamodb_table"))}
        labels: dict[str, str] = {}
        for data in (True, False):  # a resource wins over a data source of the same ARN
            for node in self.nodes.values():
                if node.data == data and self.computed(node).get("arn") is not None:
                    labels[str(self.computed(node)["arn"])] = node.path
        model = StackModel(
            name=self.name,
            source=self.source,
            directory=self.directory,
            region=self.region,
            account=self.account,
            partition=self.partition,
            functions=functions,
            aliases=aliases,
            roles=roles,
            invoke_configs=tuple(
                c
                for c in (self.invoke_config(n) for n in self.resources("aws_lambda_function_event_invoke_config"))
                if c
            ),
            permissions=tuple(self.permission(n) for n in self.resources("aws_lambda_permission")),
            rules=tuple(self.rules()),
            subscriptions=tuple(self.subscription(n) for n in self.resources("aws_sns_topic_subscription")),
            event_source_mappings=tuple(self.mapping(n) for n in self.resources("aws_lambda_event_source_mapping")),
            queues=queues,
            topics=topics,
            buses=buses,
            buckets=buckets,
            tables=tables,
            apis=tuple(self.apis()),
            labels=labels,
            problems=tuple(self._problems.values()),
            document=self.document,
        )
        return model

    # --- IAM roles ---------------------------------------------------------------------------------

    def role(self, node: _Node) -> Role:
        context = f"{node.ref} ({node.path})"
        policies: list[Policy] = []
        inline: dict[str, Policy] = {}
        for policy in self.resources("aws_iam_role_policy"):
            if self.names_node(policy.get("role"), node, "name", "id"):
                name = policy.get("name") or policy.logical_id
                statements = self.policy(policy.get("policy"), f"{policy.ref} ({policy.path}): policy")
                inline[name] = Policy(name, statements, "inline")
        for block in as_list(node.get("inline_policy")):
            if isinstance(block, dict) and block.get("policy") is not None:
                name = block.get("name", "inline")
                inline[name] = Policy(name, self.policy(block.get("policy"), f"{context}: inline_policy"), "inline")
        policies += inline.values()
        managed_written: list[Any] = []
        for attachment in self.resources("aws_iam_role_policy_attachment"):
            if self.names_node(attachment.get("role"), node, "name", "id"):
                managed_written.append(attachment.get("policy_arn"))
        for attachment in self.resources("aws_iam_policy_attachment"):
            if any(self.names_node(r, node, "name", "id") for r in as_list(attachment.get("roles"))):
                managed_written.append(attachment.get("policy_arn"))
        managed_written += as_list(node.get("managed_policy_arns"))
        for written in managed_written:
            policies += self.managed_policy(written, context)
        trust = self.policy(node.get("assume_role_policy"), f"{context}: assume_role_policy")
        return Role(
            ref=node.ref,
            name=str(self.attribute(node, "name")),
            arn=str(self.attribute(node, "arn")),
            trust=trust,
            policies=tuple(policies),
            managed_policy_arns=tuple(sorted((str(w) for w in managed_written), key=str)),
        )

    def managed_policy(self, written: Any, context: str) -> list[Policy]:
        policy = self.referenced(written)
        arn = self.resolved(written, context)
        if policy is None:
            policy = next((p for p in self.resources("aws_iam_policy") if self.attribute(p, "arn") == arn), None)
        if policy is not None and not policy.data and policy.type == "aws_iam_policy":
            statements = self.policy(policy.get("policy"), f"{policy.ref} ({policy.path}): policy")
            return [Policy(str(self.attribute(policy, "name")), statements, "managed", str(arn))]
        known = aws_managed(str(arn))
        if known is not None:
            name, documents = known
            statements = tuple(s for s in (self.statement(d, d, d) for d in documents) if s is not None)
            return [Policy(name, statements, "aws-managed", str(arn))]
        what = "an AWS-managed policy" if is_aws_managed(str(arn)) else "a policy"
        self.problem(
            f"{context}: the managed policy {arn} is {what} this stack does not define and the local runtime "
            "does not know: it allows nothing here"
        )
        return []

    # --- Lambda --------------------------------------------------------------------------------------

    def integer(self, node: _Node, key: str, default: int | None) -> int | None:
        if key not in node.body:
            return default
        value = self.resolved(node.body[key], f"{node.ref} ({node.path}): {key}")
        try:
            return int(value)
        except (TypeError, ValueError):
            self.problem(f"{node.ref} ({node.path}): {key} is {value!r}, not a whole number: read as {default}")
            return default

    def function(self, node: _Node, roles: dict[str, Role]) -> Function:
        context = f"{node.ref} ({node.path})"
        role_node = self.referenced(node.get("role"))
        role = roles.get(role_node.logical_id) if role_node is not None and role_node.type == "aws_iam_role" else None
        if role is None and node.get("role") is not None:
            arn = self.resolved(node.get("role"), f"{context}: role")
            role = next((r for r in roles.values() if r.arn == arn), None)
        environment_block = (as_list(node.get("environment")) or [{}])[0]
        variables = environment_block.get("variables") if isinstance(environment_block, dict) else None
        variables = variables if isinstance(variables, dict) else {}
        environment = {k: hcl.render(self.resolved(v, f"{context}: environment.{k}")) for k, v in variables.items()}
        references = []
        for variable, value in variables.items():
            target = self.referenced(value)
            arn = self.arn_of(target) if target is not None else None
            if target is not None and arn is not None and not arn.startswith("<"):
                references.append((variable, target.ref, arn, self.labelled(target.ref.reference("arn"))))
        reserved = self.integer(node, "reserved_concurrent_executions", -1)
        recursion = "Terminate"
        for config in self.resources("aws_lambda_function_recursion_config"):
            if self.names_node(config.get("function_name"), node, "function_name", "arn"):
                recursion = str(self.resolved(config.get("recursive_loop", "Terminate"), str(config.ref)))
        version = str(self.attribute(node, "version"))
        architectures = tuple(str(a) for a in as_list(self.resolved(node.get("architectures"), context))) or ("x86_64",)
        return Function(
            ref=node.ref,
            name=str(self.attribute(node, "function_name")),
            arn=str(self.attribute(node, "arn")),
            runtime=str(self.resolved(node.get("runtime", ""), f"{context}: runtime")),
            handler=str(self.resolved(node.get("handler", "index.handler"), f"{context}: handler")),
            timeout=self.integer(node, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT,
            memory_size=self.integer(node, "memory_size", DEFAULT_MEMORY) or DEFAULT_MEMORY,
            environment=environment,
            code=self.code(node),
            role=role,
            role_label=self.labelled(node.get("role")) if node.get("role") is not None else "(none)",
            publish=version != LATEST,
            version=version,
            reserved_concurrency=None if reserved is None or reserved < 0 else reserved,
            dead_letter=None,  # a target of the stack's queues and topics: set once they are read (read())
            recursive_loop=recursion,
            environment_references=tuple(references),
            architectures=architectures,
        )

    def with_dead_letter(self, function: Function) -> Function:
        """The function with its dead-letter queue or topic, and what sending there needs."""
        node = self.nodes[(False, function.ref.type, function.ref.logical_id)]
        block = (as_list(node.get("dead_letter_config")) or [{}])[0]
        if not isinstance(block, dict) or not block.get("target_arn"):
            return function
        context = f"{node.ref} ({node.path}): dead_letter_config.target_arn"
        return dataclasses.replace(function, dead_letter=self.target(block["target_arn"], context, deliver=True))

    def bucket_notification(self, node: _Node) -> None:
        """Attach an ``aws_s3_bucket_notification``'s function, queue and topic targets to its bucket."""
        context = f"{node.ref} ({node.path})"
        bucket = next(
            (
                b
                for b in self.buckets.values()
                if self.names_node(
                    node.get("bucket"), self.nodes[(False, b.ref.type, b.ref.logical_id)], "bucket", "id"
                )
            ),
            None,
        )
        if bucket is None:
            self.problem(f"{context}: the notification names a bucket that is not in the file")
            return
        notifications = []
        for kind, arn_key in (
            ("lambda_function", "lambda_function_arn"),
            ("queue", "queue_arn"),
            ("topic", "topic_arn"),
        ):
            for block in as_list(node.get(kind)):
                if not isinstance(block, dict) or not block.get(arn_key):
                    continue
                events = tuple(str(e) for e in as_list(self.resolved(block.get("events"), context)))
                notifications.append(
                    BucketNotification(
                        target=self.target(block[arn_key], f"{context}: {kind}"),
                        events=events,
                        prefix=str(self.resolved(block.get("filter_prefix", ""), context)),
                        suffix=str(self.resolved(block.get("filter_suffix", ""), context)),
                    )
                )
        self.buckets[bucket.arn] = dataclasses.replace(
            bucket, notifications=bucket.notifications + tuple(notifications)
        )

    def code(self, node: _Node) -> Code:
        context = f"{node.ref} ({node.path})"
        hash_ = (
            self.resolved(node.get("source_code_hash"), f"{context}: source_code_hash")
            if node.get("source_code_hash")
            else None
        )
        if node.get("image_uri") or node.get("package_type") == "Image":
            uri = self.resolved(node.get("image_uri"), f"{context}: image_uri")
            return Code("Image", None, None, str(uri), None, hash_)
        if node.get("s3_bucket"):
            bucket = self.resolved(node.get("s3_bucket"), f"{context}: s3_bucket")
            key = self.resolved(node.get("s3_key"), f"{context}: s3_key")
            return Code("Zip", None, None, f"s3://{bucket}/{key}", None, hash_)
        filename = node.get("filename")
        if filename is None:
            return Code("Zip", None, None, None, "it names no code (no filename, s3_bucket or image_uri)", hash_)
        written = str(self.resolved(filename, f"{context}: filename"))
        if self.directory is None:  # read from a document alone: where the archive is cannot be told
            return Code("Zip", written, None, None, None, hash_)
        root = self.directory.resolve()
        archive = (root / written).resolve()
        if not archive.is_relative_to(root):
            return Code("Zip", written, None, None, f"{written} lies outside the stack's folder {root}", hash_)
        return Code("Zip", written, archive, None, None, hash_)

    def function_at(self, text: Any) -> tuple[Function | None, str | None]:
        """(function, qualifier) for a resolved function name, ARN, partial ARN, ``name:qualifier`` or invoke ARN."""
        reference = function_reference(str(text))
        if reference is None:
            return None, None
        return self.functions_by_name.get(reference[0]), reference[1]

    def aliases(self) -> dict[str, Alias]:
        aliases = {}
        for node in self.resources("aws_lambda_alias"):
            function, _ = self.function_at(self.resolved(node.get("function_name"), f"{node.ref}: function_name"))
            if function is None:
                self.problem(f"{node.ref} ({node.path}): the alias names a function that is not in the file")
                continue
            arn = str(self.attribute(node, "arn"))
            version = str(self.resolved(node.get("function_version", LATEST), f"{node.ref}: function_version"))
            aliases[arn] = Alias(node.ref, str(self.attribute(node, "name")), arn, function.path, version)
        self.alias_records = aliases
        return aliases

    def target(self, written: Any, context: str, *, deliver: bool = False) -> Target:
        """Where ``written`` (an ARN argument) points; with ``deliver``, what a destination delivery needs."""
        arn = str(self.resolved(written, context))
        label = str(self.labelled(written))
        kind = kind_of(arn)
        function, qualifier = self.function_at(arn) if kind == "lambda" else (None, None)
        if function is not None and qualifier is not None and not qualifier.isdigit() and qualifier != LATEST:
            if f"{function.arn}:{qualifier}" not in self.alias_records:
                self.problem(f"{context}: {arn} names an alias {qualifier!r} that is not in the file")
        resource = self.labels_of_records(arn)
        requirements: tuple[Requirement, ...] = ()
        if deliver:
            requirements = tuple(self.delivery_requirements(arn, kind))
        return Target(
            arn=arn,
            label=label,
            kind=kind,
            function=function.path if function is not None else None,
            qualifier=qualifier,
            resource=resource,
            requirements=requirements,
        )

    def labels_of_records(self, arn: str) -> str | None:
        record = self.queues.get(arn) or self.topics.get(arn) or self.buckets.get(arn)
        if record is not None:
            return record.ref.path
        bus = next((b for b in self.buses.values() if b.arn == arn), None)
        if bus is not None:
            return bus.ref.path if bus.ref is not None else "default"
        return None

    def delivery_requirements(self, arn: str, kind: str) -> list[Requirement]:
        """What the source function's role must allow for Lambda to deliver a record to ``arn``."""
        requirements = {
            "lambda": [Requirement("lambda:InvokeFunction", arn)],
            "sqs": [Requirement("sqs:SendMessage", arn)],
            "sns": [Requirement("sns:Publish", arn)],
            "eventbridge": [Requirement("events:PutEvents", arn)],
            "s3": [Requirement("s3:PutObject", f"{arn}/*"), Requirement("s3:ListBucket", arn)],
        }.get(kind, [])
        encrypted = self.queues.get(arn) or self.topics.get(arn)
        key = encrypted.customer_key if encrypted is not None else None
        if key is not None:
            requirements += [Requirement("kms:GenerateDataKey", key), Requirement("kms:Decrypt", key)]
        return requirements

    def invoke_config(self, node: _Node) -> InvokeConfig | None:
        context = f"{node.ref} ({node.path})"
        function, qualifier = self.function_at(self.resolved(node.get("function_name"), f"{context}: function_name"))
        if function is None:
            self.problem(f"{context}: the event invoke config names a function that is not in the file")
            return None
        destinations = (as_list(node.get("destination_config")) or [{}])[0]
        targets = {}
        for outcome in ("on_success", "on_failure"):
            block = (as_list(destinations.get(outcome)) or [{}])[0] if isinstance(destinations, dict) else {}
            written = block.get("destination") if isinstance(block, dict) else None
            targets[outcome] = self.target(written, f"{context}: {outcome}", deliver=True) if written else None
        retries = self.integer(node, "maximum_retry_attempts", None)
        age = self.integer(node, "maximum_event_age_in_seconds", None)
        qualifier_written = node.get("qualifier")
        return InvokeConfig(
            ref=node.ref,
            function=function.path,
            qualifier=str(self.resolved(qualifier_written, context)) if qualifier_written else qualifier or LATEST,
            max_retries=DEFAULT_RETRIES if retries is None else retries,
            max_event_age=DEFAULT_MAX_EVENT_AGE if age is None else age,
            retries_is_default=retries is None,
            max_event_age_is_default=age is None,
            on_success=targets["on_success"],
            on_failure=targets["on_failure"],
        )

    def permission(self, node: _Node) -> Permission:
        context = f"{node.ref} ({node.path})"
        function, qualifier = self.function_at(
            self.resolved(node.get("function_name", ""), f"{context}: function_name")
        )
        source = node.get("source_arn")
        return Permission(
            ref=node.ref,
            function=function.path if function is not None else None,
            function_label=str(self.labelled(node.get("function_name", ""))),
            qualifier=str(self.resolved(node.get("qualifier"), context)) if node.get("qualifier") else qualifier,
            principal=str(self.resolved(node.get("principal", ""), f"{context}: principal")),
            action=str(self.resolved(node.get("action", ""), f"{context}: action")),
            source_arn=str(self.resolved(source, f"{context}: source_arn")) if source else None,
            source_arn_label=str(self.labelled(source)) if source else None,
            source_account=str(self.resolved(node.get("source_account"), context))
            if node.get("source_account")
            else None,
            written={k: v for k, v in node.body.items() if k != "//"},
        )

    # --- EventBridge, SNS, SQS -----------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        rules = []
        targets = self.resources("aws_cloudwatch_event_target")
        claimed: set[str] = set()
        for node in self.resources("aws_cloudwatch_event_rule"):
            context = f"{node.ref} ({node.path})"
            pattern = node.get("event_pattern")
            bus = str(self.resolved(node.get("event_bus_name") or "default", f"{context}: event_bus_name"))
            bus_name = bus.rsplit("/", 1)[-1]
            rule_targets = []
            for target in targets:
                target_bus = str(self.resolved(target.get("event_bus_name") or "default", str(target.ref))).rsplit(
                    "/", 1
                )[-1]
                if self.names_node(target.get("rule"), node, "name") and target_bus == bus_name:
                    claimed.add(target.logical_id)
                    rule_targets.append(self.rule_target(target))
            state = str(self.resolved(node.get("state", "ENABLED"), context))
            rules.append(
                Rule(
                    ref=node.ref,
                    name=str(self.attribute(node, "name")),
                    arn=str(self.attribute(node, "arn")),
                    bus_name=bus_name,
                    pattern=self.json_argument(pattern, RESOLVED, f"{context}: event_pattern")
                    if pattern is not None
                    else None,
                    pattern_label=self.json_argument(pattern, LABEL, context) if pattern is not None else None,
                    schedule=str(self.resolved(node.get("schedule_expression"), context))
                    if node.get("schedule_expression")
                    else None,
                    enabled=state != "DISABLED" and node.get("is_enabled", True) is not False,
                    targets=tuple(rule_targets),
                )
            )
        for target in targets:
            if target.logical_id not in claimed:
                self.problem(f"{target.ref} ({target.path}): the target names a rule that is not in the file")
        return rules

    def rule_target(self, node: _Node) -> RuleTarget:
        context = f"{node.ref} ({node.path})"
        transformer = (as_list(node.get("input_transformer")) or [None])[0]
        dead_letter = (as_list(node.get("dead_letter_config")) or [{}])[0] or {}
        retry = (as_list(node.get("retry_policy")) or [{}])[0] or {}
        return RuleTarget(
            ref=node.ref,
            target=self.target(node.get("arn", ""), f"{context}: arn"),
            rule_label=str(self.labelled(node.get("rule"))),
            input=self.resolved(node.get("input"), f"{context}: input") if node.get("input") is not None else None,
            input_path=self.resolved(node.get("input_path"), context) if node.get("input_path") is not None else None,
            input_transformer=self.resolved(transformer, f"{context}: input_transformer") if transformer else None,
            dead_letter_arn=str(self.resolved(dead_letter["arn"], context)) if dead_letter.get("arn") else None,
            max_retries=_optional_int(self.resolved(retry.get("maximum_retry_attempts"), context)),
            max_event_age=_optional_int(self.resolved(retry.get("maximum_event_age_in_seconds"), context)),
        )

    def subscription(self, node: _Node) -> Subscription:
        context = f"{node.ref} ({node.path})"
        protocol = str(self.resolved(node.get("protocol", ""), f"{context}: protocol"))
        endpoint = self.target(node.get("endpoint", ""), f"{context}: endpoint")
        if protocol not in ("lambda", "sqs", "firehose"):
            endpoint = Target(endpoint.arn, endpoint.label, protocol)
        raw = self.resolved(node.get("raw_message_delivery", False), context)
        filter_policy = node.get("filter_policy")
        return Subscription(
            ref=node.ref,
            topic_arn=str(self.resolved(node.get("topic_arn", ""), f"{context}: topic_arn")),
            protocol=protocol,
            endpoint=endpoint,
            raw_message_delivery=raw is True or raw == "true",
            filter_policy=self.json_argument(filter_policy, RESOLVED, context) if filter_policy else None,
        )

    def customer_key(self, node: _Node) -> str | None:
        """The ARN of the customer-managed KMS key a queue or topic is encrypted with, if any."""
        if not node.get("kms_master_key_id"):
            return None
        key = str(self.resolved(node.get("kms_master_key_id"), f"{node.ref} ({node.path}): kms_master_key_id"))
        if key in ("alias/aws/sqs", "alias/aws/sns"):
            return None  # AWS-managed keys: Lambda's delivery needs no grant on them
        if not key.startswith("arn:"):
            key_resource = key if key.startswith("alias/") else f"key/{key}"
            key = f"arn:{self.partition}:kms:{self.region}:{self.account}:{key_resource}"
        return key

    def queue(self, node: _Node) -> Queue:
        context = f"{node.ref} ({node.path})"
        url = str(self.attribute(node, "url"))
        policy: list[Statement] = []
        if node.get("policy"):
            policy += self.policy(node.get("policy"), f"{context}: policy")
        for resource in self.resources("aws_sqs_queue_policy"):
            if self.resolved(resource.get("queue_url"), str(resource.ref)) == url:
                policy += self.policy(resource.get("policy"), f"{resource.ref} ({resource.path}): policy")
        redrive_written = node.get("redrive_policy")
        for resource in self.resources("aws_sqs_queue_redrive_policy"):
            if self.resolved(resource.get("queue_url"), str(resource.ref)) == url:
                redrive_written = resource.get("redrive_policy")
        redrive = None
        if redrive_written:
            parsed = self.json_argument(redrive_written, RESOLVED, f"{context}: redrive_policy")
            if isinstance(parsed, dict) and parsed.get("deadLetterTargetArn"):
                count = _optional_int(parsed.get("maxReceiveCount"))
                redrive = Redrive(str(parsed["deadLetterTargetArn"]), count if count is not None else 1)
        fifo = self.resolved(node.get("fifo_queue", False), context)
        return Queue(
            ref=node.ref,
            name=str(self.attribute(node, "name")),
            arn=str(self.attribute(node, "arn")),
            url=url,
            fifo=fifo is True or fifo == "true",
            visibility_timeout=self.integer(node, "visibility_timeout_seconds", 30) or 0,
            retention_seconds=self.integer(node, "message_retention_seconds", 345600) or 345600,
            delay_seconds=self.integer(node, "delay_seconds", 0) or 0,
            redrive=redrive,
            customer_key=self.customer_key(node),
            policy=tuple(policy),
        )

    def topic(self, node: _Node) -> Topic:
        context = f"{node.ref} ({node.path})"
        arn = str(self.attribute(node, "arn"))
        policy: list[Statement] = []
        for resource in self.resources("aws_sns_topic_policy"):
            if self.resolved(resource.get("arn"), str(resource.ref)) == arn:
                policy += self.policy(resource.get("policy"), f"{resource.ref} ({resource.path}): policy")
        if node.get("policy"):
            policy += self.policy(node.get("policy"), f"{context}: policy")
        fifo = self.resolved(node.get("fifo_topic", False), context)
        return Topic(
            ref=node.ref,
            name=str(self.attribute(node, "name")),
            arn=arn,
            fifo=fifo is True or fifo == "true",
            customer_key=self.customer_key(node),
            policy=tuple(policy),
        )

    def table(self, node: _Node) -> Table:
        context = f"{node.ref} ({node.path})"
        attributes = tuple(
            (str(self.resolved(a.get("name"), context)), str(self.resolved(a.get("type"), context)))
            for a in as_list(node.get("attribute"))
            if isinstance(a, dict)
        )
        range_key = node.get("range_key")
        return Table(
            ref=node.ref,
            name=str(self.attribute(node, "name")),
            arn=str(self.attribute(node, "arn")),
            hash_key=str(self.resolved(node.get("hash_key"), context)),
            range_key=str(self.resolved(range_key, context)) if range_key else None,
            attributes=attributes,
        )

    def mapping(self, node: _Node) -> EventSourceMapping:
        context = f"{node.ref} ({node.path})"
        source = node.get("event_source_arn", "")
        source_arn = str(self.resolved(source, f"{context}: event_source_arn"))
        function, qualifier = self.function_at(
            self.resolved(node.get("function_name", ""), f"{context}: function_name")
        )
        if function is None:
            self.problem(f"{context}: the event source mapping names a function that is not in the file")
        stream = kind_of(source_arn) in ("kinesis", "dynamodb")
        filters = []
        for criteria in as_list(node.get("filter_criteria")):
            for item in as_list(criteria.get("filter") if isinstance(criteria, dict) else None):
                if isinstance(item, dict) and item.get("pattern"):
                    filters.append(self.json_argument(item["pattern"], RESOLVED, f"{context}: filter_criteria"))
        scaling = (as_list(node.get("scaling_config")) or [{}])[0] or {}
        enabled = self.resolved(node.get("enabled", True), context)
        types = [str(t) for t in as_list(self.resolved(node.get("function_response_types"), context))]
        return EventSourceMapping(
            ref=node.ref,
            source_arn=source_arn,
            source_label=str(self.labelled(source)),
            function=function.path if function is not None else None,
            qualifier=qualifier,
            batch_size=self.integer(node, "batch_size", 100 if stream else 10) or 10,
            batching_window=self.integer(node, "maximum_batching_window_in_seconds", 0) or 0,
            enabled=enabled is not False and enabled != "false",
            report_batch_item_failures="ReportBatchItemFailures" in types,
            filters=tuple(filters),
            maximum_concurrency=_optional_int(self.resolved(scaling.get("maximum_concurrency"), context)),
        )

    # --- API Gateway HTTP APIs -----------------------------------------------------------------------

    def apis(self) -> list[HttpApi]:
        apis = []
        for api in self.resources("aws_apigatewayv2_api"):
            routes = []
            for route in self.resources("aws_apigatewayv2_route"):
                if self.referenced(route.get("api_id")) is not api:
                    continue
                integration = next(
                    (n for n in self.references_in(route.get("target")) if n.type == "aws_apigatewayv2_integration"),
                    None,
                )
                function, qualifier = None, None
                if integration is not None:
                    uri = self.resolved(integration.get("integration_uri", ""), f"{integration.ref}: integration_uri")
                    function, qualifier = self.function_at(uri)
                routes.append(
                    Route(
                        route.ref,
                        str(self.resolved(route.get("route_key", ""), str(route.ref))),
                        str(self.resolved(route.get("authorization_type", "NONE"), str(route.ref))),
                        function.path if function is not None else None,
                        qualifier,
                    )
                )
            apis.append(
                HttpApi(
                    api.ref, str(self.attribute(api, "id")), str(self.attribute(api, "execution_arn")), tuple(routes)
                )
            )
        return apis


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


def _item(document: Any, key: str, index: int) -> Any:
    items = as_list(document.get(key)) if isinstance(document, dict) else []
    return items[index] if index < len(items) else None


def _optional_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _principals(raw: Any) -> tuple[Principal, ...]:
    if raw is None:
        return ()
    if raw == "*":
        return (Principal("*", ("*",)),)
    if isinstance(raw, dict):  # IAM JSON: {"Service": [...], "AWS": ...}
        return tuple(Principal(str(t), tuple(str(i) for i in as_list(ids))) for t, ids in raw.items())
    found = []
    for block in as_list(raw):  # policy-document data source: [{"type", "identifiers"}]
        if isinstance(block, dict):
            found.append(
                Principal(str(block.get("type", "")), tuple(str(i) for i in as_list(block.get("identifiers"))))
            )
    return tuple(found)


def _conditions(raw: Any) -> tuple[Condition, ...]:
    if isinstance(raw, dict):  # IAM JSON: {"StringEquals": {"aws:SourceArn": "..."}}
        return tuple(
            Condition(str(test), str(variable), tuple(str(v) for v in as_list(values)))
            for test, block in raw.items()
            if isinstance(block, dict)
            for variable, values in block.items()
        )
    return tuple(
        Condition(str(c.get("test")), str(c.get("variable")), tuple(str(v) for v in as_list(c.get("values"))))
        for c in as_list(raw)
        if isinstance(c, dict)
    )


def read_stack(name: str, document: Any, *, directory: Path | None = None, source: str = "") -> StackModel:
    """The model of one stack from its parsed ``cdk.tf.json`` (``directory``: where its assets lie)."""
    return _Reader(name, document, directory, source).read()


def stack_file(outdir: Path | str, name: str) -> Path:
    return Path(outdir) / "stacks" / name / "cdk.tf.json"


def load_stack(path: Path | str) -> StackModel:
    """Read one ``cdk.tf.json``; a missing or malformed file raises StackFileError naming it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise StackFileError(f"{path}: cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise StackFileError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return read_stack(path.parent.name, document, directory=path.parent, source=str(path))


def load_stacks(outdir: Path | str) -> list[StackModel]:
    files = sorted((Path(outdir) / "stacks").glob("*/cdk.tf.json"))
    if not files:
        raise StackFileError(f"no synthesized stacks under {outdir}/stacks: synthesize the app first (cdktf synth)")
    return [load_stack(f) for f in files]
