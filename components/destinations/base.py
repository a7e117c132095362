"""What every on-success / on-failure destination shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import TYPE_CHECKING

from constructs import Construct

from components.errors import ConfigurationError

if TYPE_CHECKING:
    from components.function import Function


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
