"""What every on-success / on-failure destination shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import TYPE_CHECKING

from constructs import Construct

from components.arns import customer_key_arn
from components.errors import ConfigurationError
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function

# What delivering to a queue or topic encrypted with a customer-managed KMS key takes.
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def grant_key_use(scope: Construct, fn: Function, key: str | None, what: str, *, aws_managed_alias: str) -> None:
    """Grant ``fn`` ``KMS_ACTIONS`` on the customer-managed key ``key`` (a ``kms_master_key_id``) of ``what``.

    Nothing for no key or the AWS-managed ``aws_managed_alias``; a customer alias is refused
    (``components.arns.customer_key_arn``).
    """
    key_arn = customer_key_arn(scope, key, what, aws_managed_alias=aws_managed_alias)
    if key_arn is not None:
        fn.add_to_role_policy(PolicyStatement(actions=KMS_ACTIONS, resources=(key_arn,)))


class DestinationKind(StrEnum):
    """Which outcome of an asynchronous invocation a destination receives.

    The value is the word Lambda uses in the EventBridge detail type
    ("Lambda Function Invocation Result - Success").
    """

    SUCCESS = "Success"
    FAILURE = "Failure"

    @property
    def parameter(self) -> str:
        return "on_success" if self is DestinationKind.SUCCESS else "on_failure"


class Destination(ABC):
    """A target of asynchronous invocation results that grants the source function what it needs."""

    def validate(self, kind: DestinationKind) -> None:  # noqa: B027 - a hook: most destinations take both outcomes
        """Refuse a use AWS would reject, before anything is added (override where it applies)."""

    @property
    def target_function(self) -> tuple[Function, str] | None:
        """(function, qualifier) of this stack that receives the results, if any (followed to find loops)."""
        return None

    @abstractmethod
    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        """Grant ``fn`` what it needs to deliver to this destination; return the destination ARN.

        ``scope`` is the async-invoke configuration: extra resources (rules, permissions) go under it.
        ``qualifier`` is ``$LATEST`` or the alias whose results are configured.
        """


ACCEPTED = "FunctionDestination, SqsDestination, SnsDestination, EventBridgeDestination or S3Destination"
_BY_SERVICE = {
    "lambda": "FunctionDestination",
    "sqs": "SqsDestination",
    "sns": "SnsDestination",
    "events": "EventBridgeDestination",
    "s3": "S3Destination",
}


def require_destination(value: object, kind: DestinationKind) -> Destination | None:
    """``value`` if it is a destination (or None); ConfigurationError saying what is accepted otherwise."""
    if value is None or isinstance(value, Destination):
        return value
    hint = ""
    if isinstance(value, str) and value.startswith("arn:") and value.count(":") >= 5:
        suggestion = _BY_SERVICE.get(value.split(":")[2])
        if suggestion:
            hint = f"; for an existing resource pass {suggestion}({value!r})"
    raise ConfigurationError(
        f"{kind.parameter} must be a destination ({ACCEPTED}); got {type(value).__name__} {value!r}{hint}"
    )
