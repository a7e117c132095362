"""The resolved model of one synthesized stack: frozen records, built once by ``reader.read``.

Every value is what it will be once deployed, in the stand-in account (``resolved``); where a tool
shows a value to a person, the record also keeps its *label*, the same expression with references
replaced by construct paths (``lambda_function:Second``, ``<region>``), and, for the policy
snapshots, IAM statements as written. Records refer to each other by construct path, so the
model is plain data: nothing here evaluates an expression or reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_runtime.arns import function_reference

LATEST = "$LATEST"


@dataclass(frozen=True)
class Ref:
    """Where a record comes from: a resource (or data source) of the file, and its construct path."""

    type: str
    logical_id: str
    path: str
    data: bool = False

    def reference(self, attribute: str) -> str:
        return f"${{{'data.' if self.data else ''}{self.type}.{self.logical_id}.{attribute}}}"

    def __str__(self) -> str:
        return f"{'data.' if self.data else ''}{self.type}.{self.logical_id}"


@dataclass(frozen=True)
class Condition:
    test: str  # "StringEquals", "ArnLike", ...
    variable: str  # "aws:SourceArn", lower-case compared
    values: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    type: str  # "Service", "AWS", "*", "Federated"
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One IAM statement, resolved; ``resource_labels`` parallel to ``resources``; ``written`` as in the file."""

    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] = ()
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None
    resource_labels: tuple[str, ...] = ()
    written: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Policy:
    """A named set of statements: an inline policy, a managed policy, a queue or topic policy."""

    name: str
    statements: tuple[Statement, ...]
    source: str  # "inline", "managed", "aws-managed", "resource"
    arn: str | None = None


@dataclass(frozen=True)
class Role:
    ref: Ref
    name: str
    arn: str
    trust: tuple[Statement, ...]
    policies: tuple[Policy, ...]  # inline and managed, as they apply to the role's identity
    managed_policy_arns: tuple[str, ...]  # as written, sorted

    @property
    def path(self) -> str:
        return self.ref.path

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(s for policy in self.policies for s in policy.statements)

    @property
    def inline_policies(self) -> dict[str, list[Any]]:
        """Inline policies by name, statements as written (what the policy snapshots record)."""
        return {p.name: [dict(s.written) for s in p.statements] for p in self.policies if p.source == "inline"}


@dataclass(frozen=True)
class Code:
    """Where a function's code is: a zip archive of the stack (``archive``), or elsewhere (``location``)."""

    package_type: str  # "Zip" or "Image"
    filename: str | None  # as written
    archive: Path | None  # the local file it names (an S3 object's ``source`` for s3_bucket/s3_key)
    location: str | None  # "s3://bucket/key" or the image URI, when the code is not a local archive
    problem: str | None  # why there is no archive to read (no code named at all)
    source_code_hash: str | None


@dataclass(frozen=True)
class Function:
    ref: Ref
    name: str
    arn: str
    runtime: str
    handler: str
    timeout: int
    memory_size: int
    environment: Mapping[str, str]
    code: Code
    role: Role | None
    role_label: str
    publish: bool
    version: str  # the latest published version, or $LATEST
    reserved_concurrency: int | None  # None: unreserved (-1 in the provider)
    dead_letter: Target | None  # dead_letter_config.target_arn, with what sending there needs
    recursive_loop: str  # "Terminate" (AWS's default) or "Allow"
    environment_references: tuple[tuple[str, Ref, str, str], ...]  # (variable, resource, its arn, its label)
    architectures: tuple[str, ...] = ("x86_64",)

    @property
    def path(self) -> str:
        return self.ref.path


@dataclass(frozen=True)
class Alias:
    ref: Ref
    name: str
    arn: str
    function: str  # construct path
    version: str


@dataclass(frozen=True)
class Requirement:
    """An action IAM must allow the source function's role on a resource, for a delivery."""

    action: str
    resource: str


@dataclass(frozen=True)
class Target:
    """Where something is sent: a destination, a rule target, a subscription endpoint, a DLQ."""

    arn: str  # resolved
    label: str  # references as construct paths
    kind: str  # "lambda", "sqs", "sns", "eventbridge", "s3", or the ARN's service
    function: str | None = None  # construct path, when the ARN is a function (or alias) of the stack
    qualifier: str | None = None
    requirements: tuple[Requirement, ...] = ()  # what the sender's role must allow (destinations)


@dataclass(frozen=True)
class InvokeConfig:
    ref: Ref
    function: str  # construct path
    qualifier: str
    max_retries: int
    max_event_age: int
    retries_is_default: bool
    max_event_age_is_default: bool
    on_success: Target | None
    on_failure: Target | None


@dataclass(frozen=True)
class Permission:
    ref: Ref
    function: str | None  # construct path, if the function is one of the stack
    function_label: str
    qualifier: str | None
    principal: str
    action: str
    source_arn: str | None
    source_arn_label: str | None
    source_account: str | None
    written: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class RuleTarget:
    ref: Ref
    target: Target
    rule_label: str  # how the target names its rule, labelled
    input: str | None
    input_path: str | None
    input_transformer: Mapping[str, Any] | None
    dead_letter_arn: str | None
    max_retries: int | None
    max_event_age: int | None


@dataclass(frozen=True)
class Rule:
    ref: Ref
    name: str
    arn: str
    bus_name: str
    pattern: Any  # resolved, or None (a scheduled rule)
    pattern_label: Any
    schedule: str | None
    enabled: bool
    targets: tuple[RuleTarget, ...]

    @property
    def path(self) -> str:
        return self.ref.path


@dataclass(frozen=True)
class Subscription:
    ref: Ref
    topic_arn: str
    protocol: str
    endpoint: Target
    raw_message_delivery: bool
    filter_policy: Any
    filter_scope: str = "MessageAttributes"  # or MessageBody (filter_policy_scope)


@dataclass(frozen=True)
class Redrive:
    dead_letter_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class Queue:
    ref: Ref
    name: str
    arn: str
    url: str
    fifo: bool
    visibility_timeout: int
    retention_seconds: int
    delay_seconds: int
    redrive: Redrive | None
    customer_key: str | None  # the customer-managed KMS key's ARN, if encrypted with one
    policy: tuple[Statement, ...]


@dataclass(frozen=True)
class Topic:
    ref: Ref
    name: str
    arn: str
    fifo: bool
    customer_key: str | None
    policy: tuple[Statement, ...]


@dataclass(frozen=True)
class Bus:
    ref: Ref | None  # None for the default bus, which every account has
    name: str
    arn: str


@dataclass(frozen=True)
class BucketNotification:
    """An ``aws_s3_bucket_notification`` entry: which new objects of the bucket reach which target."""

    target: Target
    events: tuple[str, ...]  # "s3:ObjectCreated:*", ...
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Bucket:
    ref: Ref
    name: str
    arn: str
    notifications: tuple[BucketNotification, ...] = ()


@dataclass(frozen=True)
class Table:
    ref: Ref
    name: str
    arn: str
    hash_key: str
    range_key: str | None
    attributes: tuple[tuple[str, str], ...]  # (name, type)


# What the function's role needs on the queue for Lambda to create an SQS event source mapping
# ("Using Lambda with Amazon SQS", execution role permissions).
MAPPING_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


@dataclass(frozen=True)
class EventSourceMapping:
    ref: Ref
    source_arn: str
    source_label: str
    function: str | None  # construct path
    qualifier: str | None
    batch_size: int
    batching_window: int
    enabled: bool
    report_batch_item_failures: bool
    filters: tuple[Any, ...]  # filter_criteria patterns, resolved
    maximum_concurrency: int | None


@dataclass(frozen=True)
class Route:
    ref: Ref
    route_key: str
    authorization_type: str
    function: str | None  # construct path of the function its integration proxies to
    qualifier: str | None
    # The integration's payload_format_version: the event API Gateway sends and how it reads the answer.
    # Terraform's default for aws_apigatewayv2_integration is 1.0.
    payload_format_version: str = "1.0"
    # The integration's timeout_milliseconds: how long API Gateway waits for the function (HTTP APIs:
    # 50 to 30,000, and 30,000 when not set).
    timeout_ms: int = 30_000
    authorizer_id: str | None = None  # a CUSTOM route's aws_apigatewayv2_authorizer (its id)


@dataclass(frozen=True)
class Authorizer:
    """An HTTP API's authorizer (``aws_apigatewayv2_authorizer``): a Lambda one is of type ``REQUEST``."""

    ref: Ref
    id: str
    name: str
    type: str  # REQUEST (a Lambda authorizer) or JWT
    function: str | None  # construct path of the function its authorizer_uri names
    qualifier: str | None
    payload_format_version: str  # authorizer_payload_format_version: "1.0" or "2.0"
    simple_responses: bool  # enable_simple_responses (2.0 only)
    identity_sources: tuple[str, ...]  # "$request.header.Authorization", "$request.querystring.x", ...
    ttl_s: int  # authorizer_result_ttl_in_seconds: 0 caches nothing


@dataclass(frozen=True)
class Stage:
    """A stage of an HTTP API: ``$default`` is served at the API's root, any other under ``/<name>``."""

    name: str
    variables: Mapping[str, str] = field(default_factory=dict)  # stage_variables
    # Throttling (requests per second, burst), by route key: None the default_route_settings', a route
    # key its route_settings'; what neither sets is not throttled.
    throttles: Mapping[str | None, Throttle] = field(default_factory=dict)

    def throttle(self, route_key: str) -> Throttle | None:
        return self.throttles.get(route_key) or self.throttles.get(None)


@dataclass(frozen=True)
class Throttle:
    rate: float  # throttling_rate_limit: requests per second
    burst: int  # throttling_burst_limit


DEFAULT_STAGE = Stage("$default")


@dataclass(frozen=True)
class Cors:
    """An HTTP API's ``cors_configuration``: what API Gateway answers a preflight with and adds to responses."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class HttpApi:
    ref: Ref
    id: str
    execution_arn: str
    routes: tuple[Route, ...]
    # Its aws_apigatewayv2_stage resources; none read as the $default stage alone (see ``served_stages``).
    stages: tuple[Stage, ...] = ()
    cors: Cors | None = None
    authorizers: tuple[Authorizer, ...] = ()

    @property
    def path(self) -> str:
        return self.ref.path

    def authorizer(self, id: str | None) -> Authorizer | None:
        return next((a for a in self.authorizers if a.id == id), None)

    def served_stages(self) -> tuple[Stage, ...]:
        """The stages requests reach: the stack's, or ``$default`` for an API the stack gives no stage."""
        return self.stages or (DEFAULT_STAGE,)

    def execute_arn(self, stage: Stage, method: str, path: str) -> str:
        """``<execution_arn>/<stage>/<METHOD><path>``: what API Gateway names a request with."""
        return f"{self.execution_arn}/{stage.name}/{method}{path}"

    def source_arn(self, route: Route, stage: Stage) -> str:
        """The source ARN API Gateway invokes a route's function with from ``stage``: the route's method
        and path (``$default`` for the ``$default`` route), as a Lambda permission's ``source_arn`` matches it."""
        method, _, path = route.route_key.partition(" ")
        return self.execute_arn(stage, method, path)

    def authorizer_source_arn(self, authorizer: Authorizer) -> str:
        """The source ARN API Gateway invokes a Lambda authorizer's function with."""
        return f"{self.execution_arn}/authorizers/{authorizer.id}"


@dataclass(frozen=True)
class StackModel:
    """One synthesized stack, resolved. ``problems``: what the reader could not interpret."""

    name: str
    source: str
    directory: Path | None
    region: str
    account: str
    partition: str
    functions: Mapping[str, Function]  # by construct path
    aliases: Mapping[str, Alias]  # by ARN
    roles: Mapping[str, Role]  # by logical id
    invoke_configs: tuple[InvokeConfig, ...]
    permissions: tuple[Permission, ...]
    rules: tuple[Rule, ...]
    subscriptions: tuple[Subscription, ...]
    event_source_mappings: tuple[EventSourceMapping, ...]
    queues: Mapping[str, Queue]  # by ARN
    topics: Mapping[str, Topic]  # by ARN
    buses: Mapping[str, Bus]  # by name
    buckets: Mapping[str, Bucket]  # by ARN
    tables: Mapping[str, Table]  # by name
    apis: tuple[HttpApi, ...]
    labels: Mapping[str, str]  # construct path of every record by its ARN
    problems: tuple[str, ...]
    document: Mapping[str, Any] = field(compare=False, hash=False, repr=False)

    # --- lookups (plain data; no expression is evaluated here) -----------------------------------

    def invoke_config(self, function: str, qualifier: str | None) -> InvokeConfig | None:
        wanted = qualifier or LATEST
        return next((c for c in self.invoke_configs if c.function == function and c.qualifier == wanted), None)

    def function_named(self, name: str) -> Function | None:
        return next((f for f in self.functions.values() if f.name == name), None)

    def function_at(self, text: str) -> tuple[Function | None, str | None]:
        """(function, qualifier) a function name, ARN, partial ARN or ``name:qualifier`` names."""
        reference = function_reference(text)
        if reference is None:
            return None, None
        return self.function_named(reference[0]), reference[1]

    def path_of(self, arn: str) -> str | None:
        """The construct path of the queue, topic, bus, bucket, table, function or alias with this ARN."""
        return self.labels.get(arn)

    def label(self, arn: str) -> str:
        """How a report names what ``arn`` is: its construct path (a function's with ``:qualifier``),
        else the ARN itself (a resource outside the stack)."""
        path = self.path_of(arn)
        if path is not None:
            return path
        function, qualifier = self.function_at(arn) if arn.startswith("arn:") and ":lambda:" in arn else (None, None)
        if function is not None:
            return f"{function.path}:{qualifier}" if qualifier else function.path
        return arn
