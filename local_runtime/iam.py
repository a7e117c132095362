"""IAM evaluation over the model's statements, as AWS's policy evaluation logic describes it.

- Identity policies (``allows``): an explicit ``Deny`` wins, then any ``Allow``; otherwise the
  implicit deny. ``*`` and ``?`` are IAM's wildcards in actions (case-insensitive) and resources.
  Conditions are not evaluated for identities: a statement with a condition neither allows nor
  denies, so the local runtime never claims an access that might not be granted.
- Resource policies (``resource_policy_allows``, queue and topic policies): the principal (the
  service or ``*``), action and resource, and the conditions services are expected to carry
  (``aws:SourceArn``, ``aws:SourceAccount``) with ``ArnEquals``, ``ArnLike``, ``StringEquals``
  and ``StringLike``; a statement with any other condition does not allow.
- ``expected_services``: which ARNs an action can act on at all (``lambda:InvokeFunction`` on a
  Lambda ARN, not on API Gateway's invocation URI), for the verifier.

Standard library only; reads the model, never the JSON.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from local_runtime.arns import service_of
from local_runtime.model.records import Requirement, Role, StackModel, Statement, Target

# Actions whose resource may only be "*": AWS documents no resource-level permissions for them.
STAR_ONLY_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})
# The ARN service each action prefix acts on, where it differs from the prefix.
_ARN_SERVICES = {"events": ("events",), "execute-api": ("execute-api",), "logs": ("logs",)}


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard semantics: ``*`` any run of characters, ``?`` one character, nothing else special."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def covers_action(statement: Statement, action: str) -> bool:
    if statement.actions:
        return any(wildcard_match(a, action, ignore_case=True) for a in statement.actions)
    return bool(statement.not_actions) and not any(
        wildcard_match(a, action, ignore_case=True) for a in statement.not_actions
    )


def covers_resource(statement: Statement, resource: str) -> bool:
    if statement.resources:
        return any(wildcard_match(r, resource) for r in statement.resources)
    return bool(statement.not_resources) and not any(wildcard_match(r, resource) for r in statement.not_resources)


def applies(statement: Statement, action: str, resource: str) -> bool:
    """Whether the statement's action and resource parts cover ``action`` on ``resource``."""
    return covers_action(statement, action) and covers_resource(statement, resource)


def allows(role: Role | None, action: str, resource: str) -> bool:
    """Identity-policy evaluation of ``role`` for ``action`` on the concrete ARN ``resource``."""
    if role is None:
        return False
    applicable = [s for s in role.statements if not s.conditions and applies(s, action, resource)]
    if any(s.effect == "Deny" for s in applicable):
        return False
    return any(s.effect == "Allow" for s in applicable)


def missing(role: Role | None, requirements: Iterable[Requirement]) -> list[Requirement]:
    """What of ``requirements`` the role's identity policies do not allow (everything, without a role)."""
    return [r for r in requirements if not allows(role, r.action, r.resource)]


def refusal(role: Role | None, requirements: Iterable[Requirement]) -> str | None:
    """Why a delivery that needs ``requirements`` is refused to the role, or None if it is allowed."""
    denied = missing(role, requirements)
    if not denied:
        return None
    name = role.path if role is not None else "(none)"
    return "; ".join(f"role {name} does not allow {r.action} on {r.resource}" for r in denied)


def granting(role: Role, action: str, resource: str) -> list[tuple[int, int]]:
    """(statement index, resource index) of every Allow statement of ``role`` covering the access."""
    grants = []
    for index, statement in enumerate(role.statements):
        if statement.effect != "Allow" or statement.conditions or not applies(statement, action, resource):
            continue
        grants += [(index, i) for i, r in enumerate(statement.resources) if wildcard_match(r, resource)]
    return grants


def denial(role: Role | None, action: str, resource: str, caller: str, account: str) -> str:
    """The AccessDeniedException message AWS gives a role's session for this access."""
    name = role.name if role is not None else "(no role)"
    return (
        f"User: arn:aws:sts::{account}:assumed-role/{name}/{caller} is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the {action} action"
    )


# --- resource policies -----------------------------------------------------------------------------


def lambda_permits(
    model: StackModel,
    function: str,
    qualifier: str | None,
    principal: str,
    source_arn: str,
    *,
    require_source_arn: bool = False,
) -> bool:
    """Whether the function's resource policy (its ``aws_lambda_permission``s) lets ``principal`` invoke it.

    AWS lets a permission without ``source_arn`` admit any source; ``require_source_arn`` counts
    only permissions scoped to a source (the verifier's stricter question).
    """
    for permission in model.permissions:
        if permission.function != function or permission.qualifier != qualifier:
            continue
        if permission.principal != principal or not wildcard_match(
            permission.action, "lambda:InvokeFunction", ignore_case=True
        ):
            continue
        if permission.source_arn is None:
            if not require_source_arn:
                return True
        elif wildcard_match(permission.source_arn, source_arn):
            return True
    return False


def resource_policy_allows(
    statements: Iterable[Statement], principal: str, action: str, resource: str, context: Mapping[str, str]
) -> bool:
    """Whether a queue or topic policy lets the service ``principal`` perform ``action`` on ``resource``.

    ``context`` holds the request's condition keys, lower-case (``aws:sourcearn``, ``aws:sourceaccount``).
    """
    allowed = False
    for statement in statements:
        if not applies(statement, action, resource) or not _principal_matches(statement, principal):
            continue
        if not _conditions_hold(statement, context):
            continue
        if statement.effect == "Deny":
            return False
        allowed = True
    return allowed


def service_refusal(
    model: StackModel, target: Target, principal: str, source_arn: str, source: str, *, require_source_arn: bool = False
) -> str | None:
    """Why the service ``principal`` may not deliver to ``target`` from ``source_arn``, or None if it may.

    A function needs a Lambda permission; a queue or topic of the stack its resource policy. Other
    targets (outside the stack, or kinds without a resource policy here) are not refused.
    """
    if target.kind == "lambda":
        if target.function is None or lambda_permits(
            model, target.function, target.qualifier, principal, source_arn, require_source_arn=require_source_arn
        ):
            return None
        return f"no lambda permission lets {principal} invoke {target.function} from {source}"
    record = model.queues.get(target.arn) or model.topics.get(target.arn)
    if target.kind in ("sqs", "sns") and record is not None:
        action = "sqs:SendMessage" if target.kind == "sqs" else "sns:Publish"
        context = {"aws:sourcearn": source_arn, "aws:sourceaccount": model.account}
        if resource_policy_allows(record.policy, principal, action, target.arn, context):
            return None
        return f"the {target.kind} policy of {record.ref.path} does not let {principal} {action} from {source}"
    return None


def _principal_matches(statement: Statement, principal: str) -> bool:
    return any(
        p.type in ("Service", "*", "AWS") and any(i in (principal, "*") for i in p.identifiers)
        for p in statement.principals
    )


def _conditions_hold(statement: Statement, context: Mapping[str, str]) -> bool:
    for condition in statement.conditions:
        actual = context.get(condition.variable.lower())
        if actual is None or condition.test not in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
            return False
        wildcard = condition.test.endswith("Like")
        if not any(wildcard_match(v, actual) if wildcard else v == actual for v in condition.values):
            return False
    return True


# --- what an action can act on -----------------------------------------------------------------------


def expected_services(action: str) -> tuple[str, ...]:
    """The ARN services an action's resources can be (``lambda:InvokeFunction``: lambda)."""
    prefix = action.split(":", 1)[0].lower()
    return _ARN_SERVICES.get(prefix, (prefix,))


def mismatched_resources(statement: Statement) -> list[tuple[str, str, str]]:
    """(action, resource, its label) for each resource its action can never act on.

    A resource whose service part is a wildcard, or that is ``*``, can match; one of another service
    never can: IAM compares the request's resource ARN, and a Lambda invoke is checked against the
    function's ARN, never against API Gateway's ``arn:aws:apigateway:...:/invocations`` URI.
    """
    found = []
    for resource, label in zip(statement.resources, statement.resource_labels or statement.resources, strict=False):
        service = service_of(resource)
        if service is None or "*" in service or "?" in service:
            continue
        for action in statement.actions:
            if "*" in action.split(":", 1)[0]:
                continue
            if service not in expected_services(action):
                found.append((action, resource, label))
    return found


def describe_arn(arn: str) -> str:
    """What an ARN is, in words, for messages."""
    service = service_of(arn)
    if service == "apigateway" and ":lambda:path/" in arn:
        return "an API Gateway invocation URI"
    names: dict[str, Any] = {
        "lambda": "a Lambda function",
        "sqs": "an SQS queue",
        "sns": "an SNS topic",
        "events": "an EventBridge resource",
        "s3": "an S3 resource",
        "apigateway": "an API Gateway resource",
        "execute-api": "an API Gateway execute-api ARN",
        "dynamodb": "a DynamoDB resource",
        "logs": "a CloudWatch Logs resource",
        "kms": "a KMS key",
        "iam": "an IAM resource",
    }
    return str(names.get(service or "", f"a resource of service {service}"))
