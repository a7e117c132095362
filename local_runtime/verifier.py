"""The verifier: what a synthesized stack wires, whether each hop is allowed, and a Mermaid diagram.

Run as ``lambda-local inspect [OUTDIR | STACK_FOLDER] [--json] [--diagram FILE]``. For every stack:
functions, roles and what they allow (Terraform references resolved to the resource they point at),
async-invoke configs, EventBridge rules and targets, Lambda permissions. Then it verifies the wiring
and lists the problems (the command exits 1 when there are any):
- every destination hop is allowed by the source role's identity policy (action and ARN wildcards
  are matched as IAM does: ``*`` and ``?`` in actions, case-insensitively, and in resources);
- every EventBridge target that is a function has a Lambda permission for events.amazonaws.com
  with the rule's ARN as source, and every target queue or topic a policy letting the rule send;
- every dead-letter queue or topic (``dead_letter_config``) is one the function's role may send to,
  and every SQS event source mapping's function may receive, delete and read attributes on its queue;
- every SNS subscription and S3 bucket notification reaches a function through a Lambda permission
  scoped to that topic or bucket, or a queue whose policy lets that service send from it;
- every queue, topic, table, bucket, event bus or function a function's environment names (its
  code's hops) is one its role may use: at least one of the actions code plausibly needs there
  (``CODE_NEEDS``: ``sqs:SendMessage``, ``sns:Publish``, a DynamoDB item action, ...);
- every function's runtime is one Lambda offers for .zip archives (``local_runtime.lambda_runtimes``):
  an unknown runtime, or one Lambda no longer creates functions on, is a problem; a deprecated one
  it still creates functions on is a warning naming its date and successor;
- no action with ``*``; no ``*`` resource except for X-Ray's write actions (X-Ray has no
  resource-level permissions); no Lambda permission without ``source_arn``; no permission that no
  hop, log group, X-Ray or self-invocation uses.
It also reports a grant that cannot be what its action acts on (``lambda:InvokeFunction`` on an API
Gateway invocation URI, an SQS action on a topic), and what the reader could not interpret (a
reference to an attribute or resource type the local runtime does not model).
It reads the resolved model (``local_runtime.model``, the one reader every local tool shares) and
never imports cdktf.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from local_runtime import iam
from local_runtime.lambda_runtimes import DEPRECATED_RUNTIMES, SUPPORTED_RUNTIMES
from local_runtime.model import Function, Requirement, Role, StackModel
from local_runtime.model.records import MAPPING_ACTIONS, Ref


@dataclass
class Report:
    stack: str
    summary: dict[str, Any] = field(default_factory=dict)
    hops: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what deploys today but is on its way out
    diagram: str = ""


@dataclass(frozen=True)
class CodeNeed:
    """What a function's code most plausibly does with a resource its environment names."""

    actions: tuple[str, ...]  # any one of them lets the code reach the resource
    expected: str  # how a problem names them
    objects: bool = False  # the actions act on the resource's objects (``<arn>/<key>``), not on it


DYNAMODB_ITEM_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)
_INVOKE = CodeNeed(("lambda:InvokeFunction",), "lambda:InvokeFunction")
# By resource type. A queue's URL is there to send to, or for a handler polling it itself; a table's
# name for any item action; a bucket's name to write or read objects. Other types have no rule.
CODE_NEEDS = {
    "aws_sqs_queue": CodeNeed(("sqs:SendMessage", "sqs:ReceiveMessage"), "sqs:SendMessage"),
    "aws_sns_topic": CodeNeed(("sns:Publish",), "sns:Publish"),
    "aws_dynamodb_table": CodeNeed(DYNAMODB_ITEM_ACTIONS, "dynamodb:GetItem, dynamodb:PutItem or another item action"),
    "aws_s3_bucket": CodeNeed(("s3:PutObject", "s3:GetObject"), "s3:PutObject or s3:GetObject on its objects", True),
    "aws_cloudwatch_event_bus": CodeNeed(("events:PutEvents",), "events:PutEvents"),
    "aws_lambda_function": _INVOKE,
    "aws_lambda_alias": _INVOKE,
}


class _Grants:
    """Which (statement, resource) of each role some hop uses."""

    def __init__(self) -> None:
        self.used: set[tuple[str, int, int]] = set()

    def use(self, role: Role, action: str, resource: str) -> bool:
        """Mark what grants ``action`` on ``resource``; whether anything does."""
        grants = iam.granting(role, action, resource) if iam.allows(role, action, resource) else []
        self.used.update((role.ref.logical_id, index, position) for index, position in grants)
        return bool(grants)

    def verify(self, role: Role | None, requirements: Iterable[Requirement]) -> list[Requirement]:
        """What of ``requirements`` the role does not allow (``iam.missing``, as the engine asks it); the
        grants of what it allows are marked used."""
        needed = list(requirements)
        missing = iam.missing(role, needed)
        for requirement in needed:
            if role is not None and requirement not in missing:
                self.use(role, requirement.action, requirement.resource)
        return missing

    def use_on(self, role: Role, arn: str) -> bool:
        """Mark every grant of ``role`` on ``arn`` (or its sub-resources ``arn/...``) used; whether there was one."""
        found = False
        for index, statement in enumerate(role.statements):
            for position, resource in enumerate(statement.resources):
                if (
                    statement.effect == "Allow"
                    and resource != "*"
                    and (resource == arn or resource.startswith(f"{arn}/"))
                ):
                    self.used.add((role.ref.logical_id, index, position))
                    found = True
        return found

    def unused(self, role: Role) -> Iterable[tuple[Any, str]]:
        """(statement, resource label) of every Allow grant no hop used."""
        for index, statement in enumerate(role.statements):
            if statement.effect != "Allow":
                continue
            for position, resource in enumerate(statement.resources):
                key = (role.ref.logical_id, index, position)
                # "<arn>:*" beside a used "<arn>" is that grant's qualified form (versions, aliases).
                companion = resource.endswith(":*") and any(
                    (key[0], index, other) in self.used
                    for other, concrete in enumerate(statement.resources)
                    if concrete == resource[:-2]
                )
                if key not in self.used and not companion:
                    yield statement, statement.resource_labels[position]


def _check_role(stack: StackModel, function: Function, grants: _Grants, report: Report) -> None:
    role = function.role
    if role is None:
        report.problems.append(f"function {function.path} has no role in this stack")
        return
    for index, statement in enumerate(role.statements):
        for action in statement.actions:
            if "*" in action:
                report.problems.append(f"role {role.path} allows the wildcard action {action!r}")
        if "*" in statement.resources:
            if set(statement.actions) <= iam.STAR_ONLY_ACTIONS:  # X-Ray has no resource-level permissions
                grants.used.add((role.ref.logical_id, index, statement.resources.index("*")))
            else:
                report.problems.append(
                    f"role {role.path} allows {', '.join(statement.actions)} on every resource ('*')"
                )
        for action, resource, label in iam.mismatched_resources(statement):
            report.problems.append(
                f"role {role.path} allows {action} on {label}, {iam.describe_arn(resource)}, not an ARN of "
                f"service {' or '.join(iam.expected_services(action))}: no {action} request ever matches it"
            )
    log_group = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/lambda/{function.name}"
    log_stream = f"{log_group}:log-stream:any"
    grants.use(role, "logs:CreateLogStream", log_stream)
    grants.use(role, "logs:PutLogEvents", log_stream)
    if grants.use(role, "lambda:InvokeFunction", function.arn):
        report.hops.append(f"{function.path} -> itself (asynchronous self-invocation)")


def check(stack: StackModel) -> Report:
    report = Report(stack.name)
    report.problems += [f"not interpreted: {p}" for p in stack.problems]
    grants = _Grants()
    functions = stack.functions
    report.summary["functions"] = {
        path: {
            "name": f.name,
            "runtime": f.runtime,
            "timeout": f.timeout,
            "memory": f.memory_size,
            "role": f.role_label,
        }
        for path, f in functions.items()
    }
    report.summary["roles"] = {}
    for function in functions.values():
        if function.code.problem is not None:
            report.problems.append(
                f"function {function.path}: its code archive cannot be used: {function.code.problem}"
            )
        _check_runtime(function, report)
        if function.role is not None:
            report.summary["roles"][function.role.path] = [
                f"{', '.join(s.actions)} -> {', '.join(s.resource_labels)}" for s in function.role.statements
            ]
        _check_role(stack, function, grants, report)

    report.summary["async_invoke"] = _check_destinations(stack, grants, report)

    for permission in stack.permissions:
        if not permission.source_arn:
            report.problems.append(
                f"lambda permission {permission.ref.path} has no source_arn: "
                f"any {permission.principal} resource could invoke"
            )
    report.summary["rules"] = _check_rules(stack, report)
    report.summary["apis"] = _check_apis(stack, report)
    _check_dead_letters(stack, grants, report)
    _check_mappings(stack, grants, report)
    _check_service_sources(stack, report)
    report.summary["code_access"] = _check_code_access(stack, grants, report)
    report.summary["lambda_permissions"] = [
        {
            "function_name": p.function_label,
            "principal": p.principal,
            "source_arn": p.source_arn_label,
            "action": p.action,
        }
        for p in stack.permissions
    ]
    roles = {f.role.ref.logical_id: f.role for f in functions.values() if f.role is not None}
    for role in roles.values():
        for statement, label in grants.unused(role):
            report.problems.append(
                f"role {role.path} allows {', '.join(statement.actions)} on {label}, which no hop uses"
            )
    report.diagram = mermaid(stack, report)
    return report


def _check_destinations(stack: StackModel, grants: _Grants, report: Report) -> list[dict[str, Any]]:
    """Each async-invoke configuration's destinations: the source role must allow each delivery."""
    configs = []
    for config in stack.invoke_configs:
        source = config.function if config.qualifier == "$LATEST" else f"{config.function}:{config.qualifier}"
        entry: dict[str, Any] = {
            "function": config.function,
            "qualifier": config.qualifier,
            "retries": config.max_retries,
            "retries_is_default": config.retries_is_default,
            "max_event_age": config.max_event_age,
            "max_event_age_is_default": config.max_event_age_is_default,
        }
        for outcome in ("on_success", "on_failure"):
            destination = getattr(config, outcome)
            if destination is None:
                continue
            entry[outcome] = destination.label
            if destination.function is not None:
                entry[f"{outcome}_function"] = destination.function + (
                    f":{destination.qualifier}" if destination.qualifier else ""
                )
            hop = f"{source} --{outcome}--> {entry[outcome]}"
            requirements = destination.requirements
            role = stack.functions[config.function].role
            if not requirements:
                report.problems.append(f"{hop}: cannot tell which permission this destination needs")
                continue
            missing = grants.verify(role, requirements)
            for requirement in missing:
                report.problems.append(
                    f"{hop}: role {_role_name(role)} does not allow {requirement.action} on "
                    f"{'it' if requirement.resource == destination.arn else requirement.resource}"
                )
            report.hops.append(
                f"{hop} (allowed: {', '.join(r.action for r in requirements)})" if not missing else hop + " (denied)"
            )
        configs.append(entry)
    return configs


def _check_rules(stack: StackModel, report: Report) -> list[dict[str, Any]]:
    """Each rule's targets must let the rule in: a Lambda permission scoped to the rule, or a policy."""
    rules: list[dict[str, Any]] = []
    for rule in stack.rules:
        rules.append(
            {
                "rule": rule.path,
                "event_bus": rule.bus_name,
                "pattern": rule.pattern_label,
                "targets": [{"target": t.target.label, "input_path": t.input_path} for t in rule.targets],
            }
        )
        for rule_target in rule.targets:
            target = rule_target.target
            if target.function is None:
                if target.arn in stack.queues or target.arn in stack.topics:
                    hop = f"{rule_target.rule_label} --> {target.label}"
                    refusal = iam.service_refusal(stack, target, "events.amazonaws.com", rule.arn, rule.path)
                    if refusal is None:
                        report.hops.append(f"{hop} (allowed by its policy for events.amazonaws.com from that rule)")
                    else:
                        report.problems.append(f"{hop}: {refusal}")
                continue
            hop = f"{rule_target.rule_label} --> {target.function}"
            # Stricter than AWS on purpose: only a permission scoped to this rule counts.
            if iam.lambda_permits(
                stack, target.function, target.qualifier, "events.amazonaws.com", rule.arn, require_source_arn=True
            ):
                report.hops.append(f"{hop} (allowed by a lambda permission for events.amazonaws.com from that rule)")
            else:
                report.problems.append(
                    f"{hop}: no lambda permission lets events.amazonaws.com invoke it from that rule"
                )
    return rules


def _check_apis(stack: StackModel, report: Report) -> list[dict[str, Any]]:
    """Each HTTP API route: authorized, and its function invokable by API Gateway from this API; each
    Lambda authorizer's function invokable by API Gateway as that authorizer."""
    apis: list[dict[str, Any]] = []
    for api in stack.apis:
        for authorizer in api.authorizers:
            if authorizer.type != "REQUEST" or authorizer.function is None:
                continue
            hop = f"{api.path} authorizer {authorizer.name} --> {authorizer.function}"
            source = api.authorizer_source_arn(authorizer)
            if iam.lambda_permits(
                stack,
                authorizer.function,
                authorizer.qualifier,
                "apigateway.amazonaws.com",
                source,
                require_source_arn=True,
            ):
                report.hops.append(
                    f"{hop} (allowed by a lambda permission for apigateway.amazonaws.com from that authorizer)"
                )
            else:
                report.problems.append(
                    f"{hop}: no lambda permission lets apigateway.amazonaws.com invoke it as this authorizer"
                )
        apis.append(
            {
                "api": api.path,
                "routes": [
                    {
                        "route": r.route_key,
                        "authorization": r.authorization_type,
                        "function": r.function,
                    }
                    for r in api.routes
                ],
            }
        )
        for route in api.routes:
            if route.authorization_type in ("NONE", ""):
                report.problems.append(
                    f"route {route.route_key} of {api.path} has no authorization: anyone may call it"
                )
            if route.function is None:
                continue
            for stage in api.served_stages():
                # Each stage serves every route: the permission must let API Gateway invoke from each.
                where = "this API" if stage.name == "$default" else f"stage {stage.name} of this API"
                hop = f"{api.path} {route.route_key} --> {route.function}"
                source = api.source_arn(route, stage)
                if iam.lambda_permits(
                    stack, route.function, route.qualifier, "apigateway.amazonaws.com", source, require_source_arn=True
                ):
                    report.hops.append(
                        f"{hop} ({route.authorization_type}; allowed by a lambda permission for "
                        f"apigateway.amazonaws.com from {where})"
                    )
                else:
                    report.problems.append(
                        f"{hop}: no lambda permission lets apigateway.amazonaws.com invoke it from {where}"
                    )
    return apis


def _check_runtime(function: Function, report: Report) -> None:
    """A .zip function's runtime: one Lambda offers; a deprecated one is named with its date and successor."""
    runtime = function.runtime
    if function.code.package_type == "Image" or runtime.startswith("<unresolved"):
        return  # an image brings its own runtime; an unresolved one is reported by the reader
    if not runtime:
        report.problems.append(f"function {function.path} names no runtime: Lambda requires one for a .zip archive")
        return
    if runtime in SUPPORTED_RUNTIMES:
        return
    deprecated = DEPRECATED_RUNTIMES.get(runtime)
    if deprecated is None:
        report.problems.append(
            f"function {function.path} runs {runtime!r}, which is not a runtime AWS Lambda offers for .zip "
            f"archives: Lambda refuses it; supported: {', '.join(SUPPORTED_RUNTIMES)}"
        )
        return
    runs = f"function {function.path} runs {runtime}, deprecated by AWS Lambda on {deprecated.deprecated_on}"
    if deprecated.create_blocked_on is not None:
        report.problems.append(
            f"{runs} and refused for new functions since {deprecated.create_blocked_on}: "
            f"move it to {deprecated.successor}"
        )
    else:
        report.warnings.append(
            f"{runs} (no security patches since; Lambda still creates functions on it): "
            f"move it to {deprecated.successor}"
        )


def _check_code_access(stack: StackModel, grants: _Grants, report: Report) -> list[dict[str, Any]]:
    """What a function's code reaches through its environment: a queue, a topic, a table, a bucket, a bus
    or a function needs at least one of the actions of ``CODE_NEEDS`` in the function's role."""
    accesses: list[dict[str, Any]] = []
    for function in stack.functions.values():
        role = function.role
        for variable, ref, arn, resource in function.environment_references:
            hop = f"{function.path} -> {resource} (its code, through {variable})"
            access: dict[str, Any] = {"function": function.path, "resource": resource, "variable": variable}
            target = _function_of(stack, ref, arn)
            if target is not None:
                access["resource_function"] = target
            # Every grant on the resource is the code's: none of them is reported as unused.
            granted = role is not None and grants.use_on(role, arn)
            need = CODE_NEEDS.get(ref.type)
            if need is None:
                access["allowed"] = granted
                report.hops.append(hop if granted else f"{hop} (no grant; no rule for type {ref.type}: not checked)")
                accesses.append(access)
                continue
            allowed = role is not None and _code_allowed(role, need, arn, grants)
            access["allowed"] = allowed
            accesses.append(access)
            if allowed:
                report.hops.append(hop)
                continue
            report.hops.append(f"{hop} (denied)")
            report.problems.append(
                f"role {_role_name(role)} {_granted_on(role, arn, need)} {resource}, which {function.path}'s code "
                f"reaches through {variable} (expected e.g. {need.expected})"
            )
    return accesses


def _code_resources(role: Role, need: CodeNeed, arn: str) -> list[str]:
    """The resources ``need``'s actions act on: the ARN, or any object of the bucket a grant names."""
    if not need.objects:
        return [arn]
    named = (r for s in role.statements for r in s.resources if r.startswith(f"{arn}/"))
    return list(dict.fromkeys([f"{arn}/*", *named]))


def _code_allowed(role: Role, need: CodeNeed, arn: str, grants: _Grants) -> bool:
    """Whether the role allows one of ``need``'s actions; the grants of each it allows are marked used.

    Asked of ``iam.allows``, not of the grants marked: a ``NotResource`` statement allows without
    naming the resource."""
    allowed = False
    for action in need.actions:
        for resource in _code_resources(role, need, arn):
            if iam.allows(role, action, resource):
                grants.use(role, action, resource)
                allowed = True
    return allowed


def _granted_on(role: Role | None, arn: str, need: CodeNeed) -> str:
    """What the role grants on a resource its code cannot use, in words: "grants nothing on", ..."""
    if role is None:
        return "grants nothing on"
    resources = [arn, *(_code_resources(role, need, arn) if need.objects else [])]
    actions: list[str] = []
    for statement in role.statements:
        if any(iam.covers_resource(statement, r) for r in resources):
            denied = [a for a in need.actions if iam.covers_action(statement, a)]
            if statement.effect == "Deny" and denied:
                return f"denies {', '.join(denied)} on"
            if statement.effect == "Allow" and not statement.conditions:
                actions += statement.actions
    if not actions:
        return "grants nothing on"
    return f"grants only {', '.join(dict.fromkeys(actions))} on"


def _function_of(stack: StackModel, ref: Ref, arn: str) -> str | None:
    """The construct path of the function of the stack a reference names (itself, or through an alias)."""
    if ref.type == "aws_lambda_function" and ref.path in stack.functions:
        return ref.path
    alias = stack.aliases.get(arn)
    return alias.function if alias is not None else None


def _check_dead_letters(stack: StackModel, grants: _Grants, report: Report) -> None:
    """A function's dead-letter queue or topic: its role must be allowed to send there."""
    dead_letters = []
    for function in stack.functions.values():
        target = function.dead_letter
        if target is None:
            continue
        dead_letters.append({"function": function.path, "target": target.label})
        hop = f"{function.path} --dead_letter--> {target.label}"
        if not target.requirements:
            report.problems.append(f"{hop}: cannot tell which permission this dead-letter target needs")
            continue
        missing = grants.verify(function.role, target.requirements)
        for requirement in missing:
            report.problems.append(
                f"{hop}: role {_role_name(function.role)} does not allow {requirement.action} on it: "
                "Lambda drops the failed event (DeadLetterErrors)"
            )
        allowed = ", ".join(r.action for r in target.requirements)
        report.hops.append(f"{hop} (allowed: {allowed})" if not missing else f"{hop} (denied)")
    report.summary["dead_letters"] = dead_letters


def _check_mappings(stack: StackModel, grants: _Grants, report: Report) -> None:
    """An SQS event source mapping: the consuming function's role must be allowed to poll its queue."""
    mappings = []
    for mapping in stack.event_source_mappings:
        mappings.append(
            {
                "mapping": mapping.ref.path,
                "source": mapping.source_label,
                "function": mapping.function,
                "batch_size": mapping.batch_size,
                "enabled": mapping.enabled,
            }
        )
        if mapping.function is None:
            report.problems.append(f"event source mapping {mapping.ref.path}: its function is not of this stack")
            continue
        hop = f"{mapping.source_label} --event source mapping--> {mapping.function}"
        if mapping.source_arn not in stack.queues:
            report.hops.append(f"{hop} (not a queue of this stack: not checked)")
            continue
        role = stack.functions[mapping.function].role
        missing = grants.verify(role, [Requirement(action, mapping.source_arn) for action in MAPPING_ACTIONS])
        if missing:
            denied = ", ".join(r.action for r in missing)
            report.problems.append(
                f"{hop}: role {_role_name(role)} does not allow {denied} on the queue: Lambda refuses the mapping"
            )
            report.hops.append(f"{hop} (denied)")
        else:
            report.hops.append(
                f"{hop} (allowed: {', '.join(MAPPING_ACTIONS)}{'' if mapping.enabled else '; disabled'})"
            )
    report.summary["event_source_mappings"] = mappings


def _check_service_sources(stack: StackModel, report: Report) -> None:
    """What a topic's subscriptions and a bucket's notifications reach must let that service in.

    As for rules, only a Lambda permission scoped to the topic or bucket counts.
    """
    sources = [
        (f"{s.ref.path} ({stack.path_of(s.topic_arn) or s.topic_arn})", "sns.amazonaws.com", s.topic_arn, s.endpoint)
        for s in stack.subscriptions
    ]
    sources += [
        (f"{bucket.ref.path} notification", "s3.amazonaws.com", bucket.arn, n.target)
        for bucket in stack.buckets.values()
        for n in bucket.notifications
    ]
    report.summary["subscriptions"] = [
        {
            "subscription": s.ref.path,
            "topic": _resource_label(stack, s.topic_arn),
            "protocol": s.protocol,
            "endpoint": s.endpoint.label,
            "endpoint_function": s.endpoint.function,
        }
        for s in stack.subscriptions
    ]
    report.summary["bucket_notifications"] = [
        {
            "bucket": _resource_label(stack, bucket.arn),
            "events": list(n.events),
            "target": n.target.label,
            "target_function": n.target.function,
        }
        for bucket in stack.buckets.values()
        for n in bucket.notifications
    ]
    for source, principal, source_arn, target in sources:
        hop = f"{source} --> {target.function or target.label}"
        refusal = iam.service_refusal(stack, target, principal, source_arn, source, require_source_arn=True)
        if refusal is None:
            report.hops.append(f"{hop} (allowed for {principal} from that source)")
        else:
            report.problems.append(f"{hop}: {refusal}")


def _role_name(role: Role | None) -> str:
    return role.path if role is not None else "(none)"


def _resource_label(stack: StackModel, arn: str) -> str:
    """How references name a queue, topic or bucket of the stack (``sns_topic:Topic``), else its label."""
    record = stack.queues.get(arn) or stack.topics.get(arn) or stack.buckets.get(arn)
    if record is None:
        return stack.label(arn)
    return f"{record.ref.type.removeprefix('aws_')}:{record.ref.path}"


def node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def destination_node(target: str) -> str:
    """Functions share one node per function; other destinations get a node of their own."""
    return node_id("fn_" + target.split(":", 1)[1]) if target.startswith("lambda_function:") else node_id(target)


def mermaid(stack: StackModel, report: Report) -> str:
    """The stack's wiring as a Mermaid flowchart: a node per function and per resource a hop reaches, an
    edge per hop the verifier checks (destinations, dead letters, rules, queue mappings, subscriptions,
    bucket notifications, API routes, self-invocation; the code's hops dotted, labelled with the variable)."""
    lines = ["flowchart LR"]
    buses = {}

    def resource(label: str, function: str | None = None, text: str | None = None) -> str:
        """The node of what ``label`` names, declared here unless it is a function of the stack."""
        if function is not None:
            return node_id("fn_" + function.split(":")[0])
        node = destination_node(label)
        if not label.startswith("lambda_function:"):
            lines.append(f'  {node}[("{text or label}")]')
        return node

    for label in report.summary["functions"]:
        lines.append(f'  {node_id("fn_" + label)}["λ {label}"]')
    for config in report.summary["async_invoke"]:
        for outcome in ("on_success", "on_failure"):
            if outcome in config:
                target = config[outcome]
                default_bus = target.endswith(":event-bus/default")
                target_node = resource(
                    target, config.get(f"{outcome}_function"), "default event bus" if default_bus else None
                )
                if default_bus and not config.get(f"{outcome}_function"):
                    buses["default"] = target_node
                qualified = "" if config["qualifier"] == "$LATEST" else f" ({config['qualifier']})"
                label = f"{outcome.replace('_', ' ')}{qualified}"
                lines.append(f'  {node_id("fn_" + config["function"])} -- "{label}" --> {target_node}')
    for dead_letter in report.summary["dead_letters"]:
        target_node = resource(dead_letter["target"])
        lines.append(f'  {node_id("fn_" + dead_letter["function"])} -- "dead letter" --> {target_node}')
    for rule in report.summary["rules"]:
        rule_node = node_id("rule_" + rule["rule"])
        lines.append(f'  {rule_node}{{{{"rule {rule["rule"]}"}}}}')
        bus = stack.buses.get(rule.get("event_bus") or "")
        if rule.get("event_bus") in buses:
            lines.append(f"  {buses[rule['event_bus']]} --> {rule_node}")
        elif bus is not None and bus.ref is not None:
            bus_label = f"{bus.ref.type.removeprefix('aws_')}:{bus.ref.path}"
            lines.append(f"  {resource(bus_label)} --> {rule_node}")
        for target in rule["targets"]:
            target_node = resource(target["target"])
            lines.append(f'  {rule_node} -- "{target["input_path"] or "event"}" --> {target_node}')
    for mapping in report.summary["event_source_mappings"]:
        if mapping["function"]:
            disabled = "" if mapping["enabled"] else " (disabled)"
            source_node = resource(mapping["source"])
            lines.append(f'  {source_node} -- "batches{disabled}" --> {node_id("fn_" + mapping["function"])}')
    for subscription in report.summary["subscriptions"]:
        topic_node = resource(subscription["topic"])
        endpoint_node = resource(subscription["endpoint"], subscription["endpoint_function"])
        lines.append(f'  {topic_node} -- "subscription" --> {endpoint_node}')
    for notification in report.summary["bucket_notifications"]:
        bucket_node = resource(notification["bucket"])
        target_node = resource(notification["target"], notification["target_function"])
        lines.append(f'  {bucket_node} -- "{", ".join(notification["events"])}" --> {target_node}')
    for api in report.summary.get("apis", []):
        api_node = node_id("api_" + api["api"])
        lines.append(f'  {api_node}{{{{"HTTP API {api["api"]}"}}}}')
        for route in api["routes"]:
            if route["function"]:
                label = f"{route['route']} ({route['authorization']})"
                lines.append(f'  {api_node} -- "{label}" --> {node_id("fn_" + route["function"])}')
    for access in report.summary.get("code_access", []):
        resource_node = resource(access["resource"], access.get("resource_function"))
        lines.append(f'  {node_id("fn_" + access["function"])} -. "{access["variable"]}" .-> {resource_node}')
    for hop in report.hops:
        if hop.endswith("(asynchronous self-invocation)"):
            label = hop.split(" -> ")[0]
            lines.append(f'  {node_id("fn_" + label)} -- "self-invoke" --> {node_id("fn_" + label)}')
    return "\n".join(dict.fromkeys(lines))


def render(report: Report) -> str:
    s = report.summary
    out = [f"== stack {report.stack}"]
    for label, f in s["functions"].items():
        out.append(
            f"function {label}: {f['name']} ({f['runtime']}, {f['timeout']} s, {f['memory']} MB), role {f['role']}"
        )
    for role, statements in s["roles"].items():
        out.append(f"role {role}:")
        out.extend(f"  {line}" for line in statements)
    for c in s["async_invoke"]:
        retries = f"{c['retries']}{' (default)' if c['retries_is_default'] else ''}"
        age = f"{c['max_event_age']}{' (default)' if c['max_event_age_is_default'] else ''}"
        out.append(
            f"async invoke {c['function']}:{c['qualifier']} retries={retries} max_event_age={age}"
            f" on_success={c.get('on_success')} on_failure={c.get('on_failure')}"
        )
    for r in s["rules"]:
        out.append(f"rule {r['rule']}: {json.dumps(r['pattern'])}")
        out.extend(f"  -> {t['target']} input_path={t['input_path']}" for t in r["targets"])
    for api in s.get("apis", []):
        out.extend(f"api {api['api']}: {r['route']} ({r['authorization']}) -> {r['function']}" for r in api["routes"])
    for p in s["lambda_permissions"]:
        out.append(f"permission: {p['principal']} may {p['action']} {p['function_name']} from {p['source_arn']}")
    out.extend(f"hop {'DENIED' if h.endswith('(denied)') else 'ok'}: {h}" for h in report.hops)
    out.extend(f"PROBLEM: {p}" for p in report.problems)
    out.extend(f"WARNING: {w}" for w in report.warnings)
    return "\n".join(out)


def diagram_markdown(reports: Iterable[Report], command: str) -> str:
    """The diagrams as one Markdown page, saying which ``command`` generated it."""
    parts = ["# Wiring of the synthesized stacks", "", f"Generated by `{command}`; do not edit.", ""]
    for report in reports:
        parts += [f"## {report.stack}", "", "```mermaid", report.diagram, "```", ""]
    return "\n".join(parts)
