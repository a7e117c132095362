"""The destination interface shared by every on-success / on-failure target."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Protocol

from constructs import Construct

if TYPE_CHECKING:
    from components.function import Function


class DestinationKind(str, Enum):
    """Which outcome of an asynchronous invocation a destination receives.

    The value is the word Lambda uses in the EventBridge detail type
    ("Lambda Function Invocation Result - Success").
    """

    SUCCESS = "Success"
    FAILURE = "Failure"


class Destination(Protocol):
    def bind(self, scope: Construct, fn: "Function", kind: DestinationKind, *, qualifier: str) -> str:
        """Grant ``fn`` what it needs to deliver to this destination; return the destination ARN.

        ``scope`` is the async-invoke configuration: extra resources (rules, permissions) go under it.
        ``qualifier`` is the version or alias whose results are configured.
        """
        ...
