"""The one reader of synthesized stacks: ``cdktf.out/stacks/<stack>/cdk.tf.json`` as a wiring model.

Every local tool reads the JSON that deploys through this module, never through a parser of its
own: the async engine (``tools/engine.py``), the verifier and diagrams (``tools/inspect.py``) and the
policy snapshots (``tests/stacks/test_policy_snapshots.py``). It gives:

- resources by type, each with its construct path (the metadata path without the stack name and
  without a trailing ``/Resource``: ``First``, ``First/EventInvokeConfig/Success/Rule``);
- every value two ways: ``value()`` resolves Terraform references (``${aws_x.Id.attr}``,
  ``${data.aws_x.Id.attr}``, ``${jsonencode(...)}``) to what they become once deployed, in the
  stand-in account ``123456789012`` and the provider's region; ``label()`` replaces them with readable
  construct paths (``lambda_function:Second``, ``<region>``);
- functions, roles with their trust, inline and managed policies, IAM evaluation of a role
  (explicit deny wins, ``*``/``?`` wildcards as IAM matches them), async invoke configurations with
  AWS's defaults (2 retries, 21600 s), EventBridge rules and targets, Lambda permissions, SNS
  subscriptions, recursion configurations, and what a destination delivery needs IAM to allow.

A malformed file raises ``WiringError`` with one line naming the file and the problem.
Standard library only: it reads JSON and never imports cdktf.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
PARTITION = "aws"
DEFAULT_REGION = "us-east-1"
DEFAULT_RETRIES = 2
DEFAULT_MAX_EVENT_AGE = 21600
LATEST = "$LATEST"

REFERENCE = re.compile(r"\$\{(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}")
JSONENCODE = re.compile(r"\$\{jsonencode\((.*)\)\}", re.S)
DATA_LABELS = {"aws_partition": "<partition>", "aws_region": "<region>", "aws_caller_identity": "<account>"}


class WiringError(ValueError):
    """The synthesized JSON cannot be read; the message is one line naming the file and the problem."""


# --- IAM ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard semantics: ``*`` any run of characters, ``?`` one character, nothing else special."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    """One IAM statement, normalized from a policy-document data source or IAM JSON."""

    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditional: bool = False

    @classmethod
    def from_document(cls, raw: dict[str, Any]) -> Statement:
        """From ``data.aws_iam_policy_document`` (``actions``) or IAM JSON (``Action``) form."""
        get = lambda *keys: next((raw[k] for k in keys if k in raw), None)  # noqa: E731
        return cls(
            effect=str(get("effect", "Effect") or "Allow"),
            actions=tuple(as_list(get("actions", "Action"))),
            not_actions=tuple(as_list(get("not_actions", "NotAction"))),
            resources=tuple(as_list(get("resources", "Resource"))),
            not_resources=tuple(as_list(get("not_resources", "NotResource"))),
            conditional=bool(get("condition", "Condition")),
        )

    def applies(self, action: str, resource: str, resolve: Any = lambda v: v) -> bool:
        """Whether this statement's action and resource parts cover ``action`` on ``resource``."""
        if self.actions:
            action_ok = any(wildcard_match(a, action, ignore_case=True) for a in self.actions)
        else:
            action_ok = bool(self.not_actions) and not any(
                wildcard_match(a, action, ignore_case=True) for a in self.not_actions
            )
        if not action_ok:
            return False
        if self.resources:
            return any(wildcard_match(resolve(r), resource) for r in self.resources)
        return bool(self.not_resources) and not any(wildcard_match(resolve(r), resource) for r in self.not_resources)


# --- HCL expressions inside ${jsonencode(...)} -----------------------------------------------------


class _HclParser:
    """The literal subset cdktf writes inside ``jsonencode(...)``: objects, tuples, strings, numbers."""

    _NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def parse(self) -> Any:
        value = self._value()
        self._space()
        if self.at != len(self.text):
            raise ValueError(f"unexpected {self.text[self.at : self.at + 20]!r}")
        return value

    def _space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def _value(self) -> Any:
        self._space()
        char = self.text[self.at : self.at + 1]
        if char == "{":
            return self._collection("}", keyed=True)
        if char == "[":
            return self._collection("]", keyed=False)
        if char == '"':
            return self._string()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return value
        number = self._NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            return json.loads(number.group())
        raise ValueError(f"unexpected {self.text[self.at : self.at + 20]!r}")

    def _collection(self, close: str, *, keyed: bool) -> Any:
        self.at += 1
        items: Any = {} if keyed else []
        while True:
            self._space()
            if self.text.startswith(close, self.at):
                self.at += 1
                return items
            if keyed:
                key = self._string() if self.text[self.at] == '"' else self._identifier()
                self._space()
                if self.text[self.at] not in "=:":
                    raise ValueError(f"expected '=' after {key!r}")
                self.at += 1
                items[key] = self._value()
            else:
                items.append(self._value())
            self._space()
            if self.text.startswith(",", self.at):
                self.at += 1

    def _identifier(self) -> str:
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(self.text, self.at)
        if not match:
            raise ValueError(f"expected a key at {self.text[self.at : self.at + 20]!r}")
        self.at = match.end()
        return match.group()

    def _string(self) -> str:
        self.at += 1
        out: list[str] = []
        depth = 0  # inside ${...}, quotes belong to the interpolation
        while self.at < len(self.text):
            char = self.text[self.at]
            if depth == 0 and char == '"':
                self.at += 1
                return "".join(out)
            if char == "\\" and depth == 0:
                escaped = self.text[self.at + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(escaped, escaped))
                self.at += 2
                continue
            if self.text.startswith("${", self.at):
                depth += 1
                out.append("${")
                self.at += 2
                continue
            if char == "}" and depth:
                depth -= 1
            out.append(char)
            self.at += 1
        raise ValueError("unterminated string")


# --- the model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    type: str
    logical_id: str
    body: dict[str, Any] = field(repr=False, compare=False, hash=False)
    path: str
    data: bool = False

    def ref(self, attribute: str) -> str:
        return f"${{{'data.' if self.data else ''}{self.type}.{self.logical_id}.{attribute}}}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)


@dataclass(frozen=True)
class Role:
    resource: Resource
    name: str
    trust: list[dict[str, Any]]
    inline_policies: dict[str, list[dict[str, Any]]]
    managed_policies: list[str]
    statements: tuple[Statement, ...]  # every statement that applies to the role's identity

    @property
    def path(self) -> str:
        return self.resource.path


@dataclass(frozen=True)
class Function:
    resource: Resource
    name: str
    arn: str
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, str]
    filename: str | None
    source_code_hash: str | None
    role: Role | None

    @property
    def path(self) -> str:
        return self.resource.path


@dataclass(frozen=True)
class InvokeConfig:
    resource: Resource
    function: Function
    qualifier: str
    max_retries: int
    max_event_age: int
    retries_is_default: bool
    max_event_age_is_default: bool
    on_success: str | None  # the destination as written (a reference or an ARN)
    on_failure: str | None


@dataclass(frozen=True)
class Target:
    resource: Resource
    arn: str  # as written
    input: str | None
    input_path: str | None
    input_transformer: dict[str, Any] | None


@dataclass(frozen=True)
class Rule:
    resource: Resource
    name: str
    arn: str
    bus_name: str
    pattern: Any  # parsed, references as written
    enabled: bool
    targets: tuple[Target, ...]

    @property
    def path(self) -> str:
        return self.resource.path


@dataclass(frozen=True)
class Permission:
    resource: Resource
    function: str  # as written
    principal: str
    action: str
    source_arn: str | None
    qualifier: str | None


@dataclass(frozen=True)
class Subscription:
    resource: Resource
    topic: str
    protocol: str
    endpoint: str
    raw_message_delivery: bool


@dataclass(frozen=True)
class Route:
    resource: Resource
    route_key: str
    authorization_type: str
    function: Function | None  # the function its integration proxies to, if one of this stack


@dataclass(frozen=True)
class HttpApi:
    resource: Resource
    execution_arn: str
    routes: tuple[Route, ...]

    @property
    def path(self) -> str:
        return self.resource.path


@dataclass(frozen=True)
class Requirement:
    """An action IAM must allow the source function's role on a resource, for a delivery."""

    action: str
    resource: str


class Stack:
    """One synthesized stack. ``directory`` is where its assets lie (the folder of cdk.tf.json)."""

    def __init__(self, name: str, document: Any, *, directory: Path | None = None, source: str = "") -> None:
        self.name = name
        self.source = source or f"stack {name}"
        self.directory = directory
        if not isinstance(document, dict):
            raise WiringError(f"{self.source}: expected a JSON object, got {type(document).__name__}")
        self.document = document
        for section in ("resource", "data"):
            if not isinstance(document.get(section, {}), dict):
                raise WiringError(f"{self.source}: '{section}' must be an object of resource types")
        self._resources = self._index(document.get("resource", {}), data=False)
        self._data = self._index(document.get("data", {}), data=True)
        providers = (
            as_list(document.get("provider", {}).get("aws", [{}]))
            if isinstance(document.get("provider"), dict)
            else [{}]
        )
        self.region = (providers[0] or {}).get("region") or DEFAULT_REGION
        self.account = ACCOUNT
        self.partition = PARTITION
        self._values: dict[str, Any] = {}

    def _index(self, section: dict[str, Any], *, data: bool) -> dict[str, dict[str, Resource]]:
        index: dict[str, dict[str, Resource]] = {}
        for type_, items in section.items():
            if not isinstance(items, dict) or not all(isinstance(body, dict) for body in items.values()):
                kind = "data source" if data else "resource"
                raise WiringError(f"{self.source}: {kind} type {type_!r} must map logical ids to objects")
            index[type_] = {
                logical_id: Resource(type_, logical_id, body, self._construct_path(body, logical_id), data)
                for logical_id, body in items.items()
            }
        return index

    @staticmethod
    def _construct_path(body: dict[str, Any], logical_id: str) -> str:
        path = body.get("//", {}).get("metadata", {}).get("path") if isinstance(body.get("//"), dict) else None
        short = path.split("/", 1)[1] if isinstance(path, str) and "/" in path else logical_id
        return re.sub(r"/Resource$", "", short)

    # --- resources -------------------------------------------------------------------------------

    def resources(self, type_: str) -> list[Resource]:
        return list(self._resources.get(type_, {}).values())

    def data_sources(self, type_: str) -> list[Resource]:
        return list(self._data.get(type_, {}).values())

    def find(self, type_: str, logical_id: str, *, data: bool = False) -> Resource:
        try:
            return (self._data if data else self._resources)[type_][logical_id]
        except KeyError:
            kind = "data source" if data else "resource"
            raise WiringError(
                f"{self.source}: a reference names {kind} {type_}.{logical_id}, which is not in the file"
            ) from None

    def referenced(self, expression: Any) -> Resource | None:
        """The resource an expression is exactly one reference to, or None."""
        match = REFERENCE.fullmatch(expression) if isinstance(expression, str) else None
        return self.find(match.group(2), match.group(3), data=bool(match.group(1))) if match else None

    # --- values ----------------------------------------------------------------------------------

    def value(self, expression: Any) -> Any:
        """The expression as it will be once deployed (references resolved, jsonencode evaluated)."""
        if isinstance(expression, dict):
            return {k: self.value(v) for k, v in expression.items() if k != "//"}
        if isinstance(expression, list):
            return [self.value(v) for v in expression]
        if not isinstance(expression, str):
            return expression
        if expression not in self._values:
            encoded = JSONENCODE.fullmatch(expression)
            if encoded:
                resolved = json.dumps(self.value(self._hcl(encoded.group(1))), separators=(",", ":"), sort_keys=True)
            else:
                resolved = REFERENCE.sub(
                    lambda m: str(self.attribute(self.find(m.group(2), m.group(3), data=bool(m.group(1))), m.group(4))),
                    expression,
                )
            self._values[expression] = resolved
        return self._values[expression]

    def label(self, expression: Any) -> Any:
        """The expression with references replaced by readable construct paths."""
        if isinstance(expression, dict):
            return {k: self.label(v) for k, v in expression.items() if k != "//"}
        if isinstance(expression, list):
            return [self.label(v) for v in expression]
        if not isinstance(expression, str):
            return expression
        encoded = JSONENCODE.fullmatch(expression)
        if encoded:
            return self.label(self._hcl(encoded.group(1)))

        def replace(match: re.Match[str]) -> str:
            data, type_, logical_id, attribute = match.groups()
            if data and type_ in DATA_LABELS:
                return DATA_LABELS[type_]
            suffix = "" if attribute == "arn" else f".{attribute}"
            return f"{type_.removeprefix('aws_')}:{self.find(type_, logical_id, data=bool(data)).path}{suffix}"

        return REFERENCE.sub(replace, expression)

    def parsed(self, expression: Any) -> Any:
        """A JSON-valued argument (``jsonencode(...)`` or a JSON string) as data, references kept."""
        if not isinstance(expression, str):
            return expression
        encoded = JSONENCODE.fullmatch(expression)
        if encoded:
            return self._hcl(encoded.group(1))
        try:
            return json.loads(expression)
        except json.JSONDecodeError as error:
            raise WiringError(f"{self.source}: {expression[:60]!r} is not JSON ({error.msg})") from None

    def _hcl(self, text: str) -> Any:
        try:
            return _HclParser(text).parse()
        except (ValueError, IndexError) as error:
            raise WiringError(f"{self.source}: cannot read jsonencode({text[:60]}...): {error}") from None

    def attribute(self, resource: Resource, attribute: str) -> Any:
        """What ``resource.attribute`` will be once deployed, in the stand-in account."""
        known = self._attributes(resource)
        if attribute in known:
            return known[attribute]
        if attribute in resource.body and not isinstance(resource.body[attribute], (dict, list)):
            return self.value(resource.body[attribute])
        raise WiringError(
            f"{self.source}: cannot resolve {resource.ref(attribute)}: the reader does not model that attribute"
        )

    def _attributes(self, resource: Resource) -> dict[str, Any]:
        region, account, partition = self.region, self.account, self.partition
        body, type_ = resource.body, resource.type
        invoke_prefix = f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions"

        def name(*keys: str) -> Any:
            """The first name argument set, or the stand-in of the name Terraform would generate."""
            return next((self.value(body[k]) for k in keys if body.get(k)), f"terraform-{resource.logical_id}")

        if resource.data:
            if type_ == "aws_partition":
                return {"partition": partition, "id": partition, "dns_suffix": "amazonaws.com"}
            if type_ == "aws_region":
                return {"name": region, "region": region, "id": region}
            if type_ == "aws_caller_identity":
                return {"account_id": account, "id": account, "arn": f"arn:{partition}:iam::{account}:root"}
            if type_ == "aws_iam_policy_document":
                return {"json": json.dumps(self._policy_json(resource), separators=(",", ":"))}
        if type_ == "aws_lambda_function":
            function_name = name("function_name")
            arn = f"arn:{partition}:lambda:{region}:{account}:function:{function_name}"
            version = "1" if body.get("publish") else LATEST
            return {
                "arn": arn,
                "function_name": function_name,
                "id": function_name,
                "version": version,
                "qualified_arn": f"{arn}:{version}",
                "invoke_arn": f"{invoke_prefix}/{arn}/invocations",
            }
        if type_ == "aws_lambda_alias":
            function = self.value(body.get("function_name"))
            function_arn = (
                function
                if function.startswith("arn:")
                else f"arn:{partition}:lambda:{region}:{account}:function:{function}"
            )
            alias_arn = f"{function_arn}:{name('name')}"
            return {
                "arn": alias_arn,
                "name": name("name"),
                "id": alias_arn,
                "invoke_arn": f"{invoke_prefix}/{alias_arn}/invocations",
            }
        if type_ == "aws_sqs_queue":
            queue = name("name")
            return {
                "arn": f"arn:{partition}:sqs:{region}:{account}:{queue}",
                "name": queue,
                "id": f"https://sqs.{region}.amazonaws.com/{account}/{queue}",
                "url": f"https://sqs.{region}.amazonaws.com/{account}/{queue}",
            }
        if type_ == "aws_sns_topic":
            arn = f"arn:{partition}:sns:{region}:{account}:{name('name')}"
            return {"arn": arn, "id": arn, "name": name("name")}
        if type_ == "aws_cloudwatch_event_bus":
            arn = f"arn:{partition}:events:{region}:{account}:event-bus/{name('name')}"
            return {"arn": arn, "id": name("name"), "name": name("name")}
        if type_ == "aws_cloudwatch_event_rule":
            bus = self.value(body.get("event_bus_name") or "default")
            bus = bus.rsplit("/", 1)[-1]
            rule = name("name")
            return {
                "arn": f"arn:{partition}:events:{region}:{account}:rule/{'' if bus == 'default' else bus + '/'}{rule}",
                "name": rule,
                "id": rule if bus == "default" else f"{bus}/{rule}",
            }
        if type_ == "aws_s3_bucket":
            bucket = name("bucket")
            return {"arn": f"arn:{partition}:s3:::{bucket}", "bucket": bucket, "id": bucket}
        if type_ == "aws_iam_role":
            role = name("name")
            return {
                "arn": f"arn:{partition}:iam::{account}:role{self.value(body.get('path') or '/')}{role}",
                "name": role,
                "id": role,
            }
        if type_ == "aws_iam_policy":
            return {
                "arn": f"arn:{partition}:iam::{account}:policy/{name('name')}",
                "name": name("name"),
                "id": name("name"),
            }
        if type_ == "aws_cloudwatch_log_group":
            group = name("name")
            return {"arn": f"arn:{partition}:logs:{region}:{account}:log-group:{group}", "name": group, "id": group}
        if type_ == "aws_kms_key":
            digest = hashlib.sha256(resource.logical_id.encode()).hexdigest()
            key_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            return {"arn": f"arn:{partition}:kms:{region}:{account}:key/{key_id}", "key_id": key_id, "id": key_id}
        if type_ == "aws_kms_alias":
            return {
                "arn": f"arn:{partition}:kms:{region}:{account}:{name('name')}",
                "name": name("name"),
                "id": name("name"),
            }
        if type_ == "aws_dynamodb_table":
            table = name("name")
            return {"arn": f"arn:{partition}:dynamodb:{region}:{account}:table/{table}", "name": table, "id": table}
        if type_ == "aws_apigatewayv2_api":
            api_id = re.sub(r"[^a-z0-9]", "", resource.logical_id.lower())[:10] or "api"
            return {
                "id": api_id,
                "arn": f"arn:{partition}:apigateway:{region}::/apis/{api_id}",
                "api_endpoint": f"https://{api_id}.execute-api.{region}.amazonaws.com",
                "execution_arn": f"arn:{partition}:execute-api:{region}:{account}:{api_id}",
            }
        return {}

    def _policy_json(self, document: Resource) -> dict[str, Any]:
        statements = []
        for raw in as_list(document.get("statement")):
            statement: dict[str, Any] = {"Effect": raw.get("effect", "Allow")}
            for source, target in (
                ("actions", "Action"),
                ("not_actions", "NotAction"),
                ("resources", "Resource"),
                ("not_resources", "NotResource"),
            ):
                if raw.get(source):
                    statement[target] = self.value(raw[source])
            if raw.get("principals"):
                statement["Principal"] = {p["type"]: self.value(p["identifiers"]) for p in raw["principals"]}
            statements.append(statement)
        return {"Version": "2012-10-17", "Statement": statements}

    # --- IAM -------------------------------------------------------------------------------------

    def _document_statements(self, policy: Any) -> list[dict[str, Any]]:
        """Raw statements of a policy argument: a document data source, jsonencode or a JSON string."""
        document = self.referenced(policy)
        if document is not None and document.type == "aws_iam_policy_document":
            return as_list(document.get("statement"))
        parsed = self.parsed(policy)
        if not isinstance(parsed, dict):
            raise WiringError(f"{self.source}: policy {str(policy)[:60]!r} is not a policy document")
        return as_list(parsed.get("Statement"))

    @functools.cached_property
    def roles(self) -> dict[str, Role]:
        """Roles by logical id."""
        roles = {}
        for role in self.resources("aws_iam_role"):
            inline: dict[str, list[dict[str, Any]]] = {}
            for policy in self.resources("aws_iam_role_policy"):
                owner = self.referenced(policy.get("role"))
                if owner is not None and owner.logical_id == role.logical_id:
                    inline[policy.get("name") or policy.logical_id] = self._document_statements(policy.get("policy"))
            for block in as_list(role.get("inline_policy")):
                inline[block.get("name", "inline")] = self._document_statements(block.get("policy"))
            managed = []
            for attachment in self.resources("aws_iam_role_policy_attachment"):
                owner = self.referenced(attachment.get("role"))
                if owner is not None and owner.logical_id == role.logical_id:
                    managed.append(attachment.get("policy_arn"))
            managed += as_list(role.get("managed_policy_arns"))
            statements = [Statement.from_document(s) for policy in inline.values() for s in policy]
            for arn in managed:
                managed_policy = self.referenced(arn)
                if managed_policy is not None and managed_policy.type == "aws_iam_policy":
                    document = self._document_statements(managed_policy.get("policy"))
                    statements += [Statement.from_document(s) for s in document]
            roles[role.logical_id] = Role(
                resource=role,
                name=self.attribute(role, "name"),
                trust=self._document_statements(role.get("assume_role_policy")),
                inline_policies=inline,
                managed_policies=sorted(managed, key=str),
                statements=tuple(statements),
            )
        return roles

    def allows(self, role: Role | None, action: str, resource: str) -> bool:
        """IAM identity-policy evaluation of ``role`` for ``action`` on the concrete ARN ``resource``.

        Conditions are not evaluated: a statement with a condition neither allows nor denies.
        Policies this file does not contain (AWS-managed ARNs) are not known and allow nothing here.
        """
        if role is None:
            return False
        applicable = [s for s in role.statements if not s.conditional and s.applies(action, resource, self.value)]
        if any(s.effect == "Deny" for s in applicable):
            return False
        return any(s.effect == "Allow" for s in applicable)

    def granting(self, role: Role, action: str, resource: str) -> list[tuple[int, str]]:
        """(statement index, resource pattern) of every Allow statement of ``role`` covering the access."""
        grants = []
        for index, statement in enumerate(role.statements):
            if (
                statement.effect != "Allow"
                or statement.conditional
                or not statement.applies(action, resource, self.value)
            ):
                continue
            grants += [(index, r) for r in statement.resources if wildcard_match(self.value(r), resource)]
        return grants

    # --- Lambda ----------------------------------------------------------------------------------

    @functools.cached_property
    def functions(self) -> dict[str, Function]:
        """Functions by construct path."""
        functions = {}
        for resource in self.resources("aws_lambda_function"):
            role = self.referenced(resource.get("role"))
            environment = (as_list(resource.get("environment")) or [{}])[0].get("variables") or {}
            functions[resource.path] = Function(
                resource=resource,
                name=self.attribute(resource, "function_name"),
                arn=self.attribute(resource, "arn"),
                handler=resource.get("handler", "index.handler"),
                runtime=resource.get("runtime", ""),
                timeout=int(resource.get("timeout", 3)),
                memory_size=int(resource.get("memory_size", 128)),
                environment={k: str(self.value(v)) for k, v in environment.items()},
                filename=resource.get("filename"),
                source_code_hash=resource.get("source_code_hash"),
                role=self.roles.get(role.logical_id) if role is not None else None,
            )
        return functions

    def function_at(self, arn_or_name: str) -> tuple[Function | None, str | None]:
        """(function, qualifier or None) for a function name, ARN, partial ARN or ``name:qualifier``."""
        text = self.value(arn_or_name)
        match = re.fullmatch(
            r"(?:arn:[^:]+:lambda:[^:]+:\d{12}:function:|\d{12}:function:)?([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?",
            text,
        )
        if not match:
            return None, None
        for function in self.functions.values():
            if function.name == match.group(1):
                return function, match.group(2)
        return None, match.group(2)

    def function_by_resource(self, resource: Resource) -> Function:
        return next(f for f in self.functions.values() if f.resource == resource)

    @functools.cached_property
    def aliases(self) -> dict[str, tuple[Function, str, Resource]]:
        """Alias ARN -> (function, alias name, alias resource)."""
        aliases = {}
        for alias in self.resources("aws_lambda_alias"):
            function, _ = self.function_at(alias.get("function_name"))
            if function is not None:
                aliases[self.attribute(alias, "arn")] = (function, self.attribute(alias, "name"), alias)
        return aliases

    @functools.cached_property
    def invoke_configs(self) -> list[InvokeConfig]:
        configs = []
        for resource in self.resources("aws_lambda_function_event_invoke_config"):
            function, qualifier = self.function_at(resource.get("function_name"))
            if function is None:
                raise WiringError(
                    f"{self.source}: event invoke config {resource.path} names a function that is not in the file"
                )
            destinations = (as_list(resource.get("destination_config")) or [{}])[0]
            retries, age = resource.get("maximum_retry_attempts"), resource.get("maximum_event_age_in_seconds")
            configs.append(
                InvokeConfig(
                    resource=resource,
                    function=function,
                    qualifier=resource.get("qualifier") or qualifier or LATEST,
                    max_retries=DEFAULT_RETRIES if retries is None else int(retries),
                    max_event_age=DEFAULT_MAX_EVENT_AGE if age is None else int(age),
                    retries_is_default=retries is None,
                    max_event_age_is_default=age is None,
                    on_success=_destination(destinations, "on_success"),
                    on_failure=_destination(destinations, "on_failure"),
                )
            )
        return configs

    def invoke_config(self, function: Function, qualifier: str | None) -> InvokeConfig | None:
        wanted = qualifier or LATEST
        return next((c for c in self.invoke_configs if c.function == function and c.qualifier == wanted), None)

    @functools.cached_property
    def permissions(self) -> list[Permission]:
        return [
            Permission(
                resource=p,
                function=p.get("function_name", ""),
                principal=p.get("principal", ""),
                action=p.get("action", ""),
                source_arn=p.get("source_arn"),
                qualifier=p.get("qualifier"),
            )
            for p in self.resources("aws_lambda_permission")
        ]

    def permits(
        self,
        function: Function,
        qualifier: str | None,
        principal: str,
        source_arn: str,
        *,
        require_source_arn: bool = False,
    ) -> bool:
        """Whether the function's resource policy lets ``principal`` invoke it from ``source_arn``.

        AWS lets a permission without ``source_arn`` admit any source; ``require_source_arn`` counts
        only permissions scoped to a source (the verifier's stricter question).
        """
        for permission in self.permissions:
            target, target_qualifier = self.function_at(permission.function)
            if target != function or (permission.qualifier or target_qualifier) != qualifier:
                continue
            if permission.principal != principal or not wildcard_match(
                permission.action, "lambda:InvokeFunction", ignore_case=True
            ):
                continue
            if permission.source_arn is None:
                if not require_source_arn:
                    return True
            elif wildcard_match(self.value(permission.source_arn), source_arn):
                return True
        return False

    @functools.cached_property
    def recursion(self) -> dict[str, str]:
        """Function construct path -> recursive_loop setting, for functions that have one."""
        settings = {}
        for config in self.resources("aws_lambda_function_recursion_config"):
            function, _ = self.function_at(config.get("function_name"))
            if function is not None:
                settings[function.path] = config.get("recursive_loop", "Terminate")
        return settings

    def resource_policy_allows(self, target_arn: str, principal: str, action: str, source_arn: str) -> bool:
        """Whether the queue or topic policy of ``target_arn`` lets a service principal deliver to it.

        Evaluates ``aws_sqs_queue_policy`` and ``aws_sns_topic_policy`` statements of this stack:
        principal (the service or ``*``), action and resource wildcards, and the ``aws:SourceArn`` /
        ``aws:SourceAccount`` conditions services are expected to carry (``ArnEquals``, ``ArnLike``,
        ``StringEquals``, ``StringLike``); a statement with any other condition does not allow.
        """
        target = self.resource_with_arn(target_arn)
        if target is None:
            return False
        statements = []
        if target.type == "aws_sqs_queue":
            url = self.attribute(target, "url")
            for policy in self.resources("aws_sqs_queue_policy"):
                if self.value(policy.get("queue_url")) == url:
                    statements += self._document_statements(policy.get("policy"))
        elif target.type == "aws_sns_topic":
            for policy in self.resources("aws_sns_topic_policy"):
                if self.value(policy.get("arn")) == target_arn:
                    statements += self._document_statements(policy.get("policy"))
            if target.get("policy"):
                statements += self._document_statements(target.get("policy"))
        context = {"aws:sourcearn": source_arn, "aws:sourceaccount": self.account}
        allowed = False
        for raw in statements:
            statement = Statement.from_document({k: v for k, v in raw.items() if k not in ("condition", "Condition")})
            if not statement.applies(action, target_arn, self.value) or not self._principal_matches(raw, principal):
                continue
            if not self._conditions_hold(raw, context):
                continue
            if statement.effect == "Deny":
                return False
            allowed = True
        return allowed

    def _principal_matches(self, raw: dict[str, Any], principal: str) -> bool:
        if "principals" in raw:
            return any(
                p.get("type") in ("Service", "*", "AWS")
                and any(i in (principal, "*") for i in as_list(self.value(p.get("identifiers"))))
                for p in as_list(raw["principals"])
            )
        value = self.value(raw.get("Principal"))
        if value == "*":
            return True
        return isinstance(value, dict) and any(
            i in (principal, "*") for i in as_list(value.get("Service")) + as_list(value.get("AWS"))
        )

    def _conditions_hold(self, raw: dict[str, Any], context: dict[str, str]) -> bool:
        tests = []
        for condition in as_list(raw.get("condition")):  # policy-document data source form
            tests.append(
                (condition.get("test"), condition.get("variable"), as_list(self.value(condition.get("values"))))
            )
        for test, block in (self.value(raw.get("Condition")) or {}).items():  # IAM JSON form
            tests += [(test, variable, as_list(values)) for variable, values in block.items()]
        for test, variable, values in tests:
            actual = context.get(str(variable).lower())
            if actual is None or test not in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
                return False
            wildcard = test.endswith("Like")
            if not any(wildcard_match(v, actual) if wildcard else v == actual for v in values):
                return False
        return True

    # --- EventBridge, SNS --------------------------------------------------------------------------

    @functools.cached_property
    def rules(self) -> list[Rule]:
        targets: dict[str, list[Target]] = {}
        for target in self.resources("aws_cloudwatch_event_target"):
            rule = self.referenced(target.get("rule"))
            key = rule.logical_id if rule is not None else str(target.get("rule"))
            targets.setdefault(key, []).append(
                Target(
                    resource=target,
                    arn=target.get("arn", ""),
                    input=target.get("input"),
                    input_path=target.get("input_path"),
                    input_transformer=(as_list(target.get("input_transformer")) or [None])[0],
                )
            )
        rules = []
        for rule in self.resources("aws_cloudwatch_event_rule"):
            pattern = rule.get("event_pattern")
            rules.append(
                Rule(
                    resource=rule,
                    name=self.attribute(rule, "name"),
                    arn=self.attribute(rule, "arn"),
                    bus_name=str(self.value(rule.get("event_bus_name") or "default")).rsplit("/", 1)[-1],
                    pattern=self.parsed(pattern) if pattern is not None else None,
                    enabled=rule.get("state", "ENABLED") == "ENABLED" and rule.get("is_enabled", True) is not False,
                    targets=tuple(targets.get(rule.logical_id, [])),
                )
            )
        return rules

    @functools.cached_property
    def subscriptions(self) -> list[Subscription]:
        return [
            Subscription(
                s,
                s.get("topic_arn", ""),
                s.get("protocol", ""),
                s.get("endpoint", ""),
                bool(s.get("raw_message_delivery")),
            )
            for s in self.resources("aws_sns_topic_subscription")
        ]

    # --- API Gateway HTTP APIs, environment ---------------------------------------------------------

    @functools.cached_property
    def apis(self) -> list[HttpApi]:
        apis = []
        for api in self.resources("aws_apigatewayv2_api"):
            routes = []
            for route in self.resources("aws_apigatewayv2_route"):
                if self.referenced(route.get("api_id")) != api:
                    continue
                integration = next(
                    (
                        self.find("aws_apigatewayv2_integration", m.group(3))
                        for m in REFERENCE.finditer(str(route.get("target", "")))
                    ),
                    None,
                )
                function = None
                if integration is not None:
                    function, _ = self.function_at(str(self.value(integration.get("integration_uri", ""))))
                routes.append(
                    Route(route, route.get("route_key", ""), route.get("authorization_type", "NONE"), function)
                )
            apis.append(HttpApi(api, self.attribute(api, "execution_arn"), tuple(routes)))
        return apis

    def environment_resources(self, function: Function) -> list[tuple[str, Resource]]:
        """(variable, resource) for each environment variable of ``function`` that names a resource of the stack."""
        variables = (as_list(function.resource.get("environment")) or [{}])[0].get("variables") or {}
        found = []
        for name, value in variables.items():
            resource = self.referenced(value)
            if resource is not None:
                found.append((name, resource))
        return found

    # --- destinations ----------------------------------------------------------------------------

    @functools.cached_property
    def _by_arn(self) -> dict[str, Resource]:
        index: dict[str, Resource] = {}
        for section in (self._data, self._resources):  # a resource wins over a data source of the same ARN
            for items in section.values():
                for resource in items.values():
                    arn = self._attributes(resource).get("arn")
                    if arn is None and resource.data and isinstance(resource.body.get("arn"), str):
                        arn = self.value(resource.body["arn"])
                    if arn is not None:
                        index[arn] = resource
        return index

    def resource_with_arn(self, arn: str) -> Resource | None:
        """The resource (or data source) of this stack whose ARN is ``arn``."""
        return self._by_arn.get(arn)

    def delivery_requirements(self, destination_arn: str) -> list[Requirement]:
        """What the source function's role must allow for Lambda to deliver a record there."""
        service = destination_arn.split(":")[2] if destination_arn.count(":") >= 5 else ""
        requirements = {
            "lambda": [Requirement("lambda:InvokeFunction", destination_arn)],
            "sqs": [Requirement("sqs:SendMessage", destination_arn)],
            "sns": [Requirement("sns:Publish", destination_arn)],
            "events": [Requirement("events:PutEvents", destination_arn)],
            "s3": [Requirement("s3:PutObject", f"{destination_arn}/*"), Requirement("s3:ListBucket", destination_arn)],
        }.get(service, [])
        key = self._customer_key_of(destination_arn)
        if key is not None:
            requirements += [Requirement("kms:GenerateDataKey", key), Requirement("kms:Decrypt", key)]
        return requirements

    def _customer_key_of(self, destination_arn: str) -> str | None:
        """The ARN of the customer-managed KMS key a queue or topic of this stack is encrypted with."""
        resource = self.resource_with_arn(destination_arn)
        if (
            resource is None
            or resource.type not in ("aws_sqs_queue", "aws_sns_topic")
            or not resource.get("kms_master_key_id")
        ):
            return None
        key = self.value(resource.get("kms_master_key_id"))
        if key in ("alias/aws/sqs", "alias/aws/sns"):
            return None  # AWS-managed keys: Lambda's delivery needs no grant on them
        if not key.startswith("arn:"):
            key_resource = key if key.startswith("alias/") else f"key/{key}"
            key = f"arn:{self.partition}:kms:{self.region}:{self.account}:{key_resource}"
        return str(key)


def _destination(destination_config: dict[str, Any], outcome: str) -> str | None:
    """The destination ARN (as written) of ``on_success`` or ``on_failure`` in a destination_config block."""
    block = (as_list(destination_config.get(outcome)) or [{}])[0]
    return block.get("destination")


def stack_file(outdir: Path, name: str) -> Path:
    return Path(outdir) / "stacks" / name / "cdk.tf.json"


def load_stack(path: Path) -> Stack:
    """Read one ``cdk.tf.json``; a missing or malformed file raises WiringError naming it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise WiringError(f"{path}: cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise WiringError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    return Stack(path.parent.name, document, directory=path.parent, source=str(path))


def load_stacks(outdir: Path) -> list[Stack]:
    files = sorted((Path(outdir) / "stacks").glob("*/cdk.tf.json"))
    if not files:
        raise WiringError(f"no synthesized stacks under {outdir}/stacks: run `make synth` first")
    return [load_stack(f) for f in files]
