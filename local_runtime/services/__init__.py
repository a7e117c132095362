"""The AWS services a handler's own SDK calls reach, one implementation for every runtime.

A runtime adapts its SDK to ``AwsCalls``: the Python runtime through botocore's hooks (the
handler's parameters as it passed them), other runtimes through a loopback endpoint that parses
the service's wire protocol. Every call is made as the calling function's role, checked the way
IAM checks it, and answered as the service answers (``AwsError`` for its error responses).
Nothing reaches AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from local_runtime.errors import AwsError
from local_runtime.model.records import Function, StackModel


@dataclass(frozen=True)
class Caller:
    """The function whose handler makes a call, and its chain's invocations so far (recursion)."""

    function: Function
    lineage: Mapping[str, int]


class Invoker(Protocol):
    """Where an asynchronous ``Invoke`` goes: the engine's event queue."""

    def enqueue(self, function: Function, qualifier: str | None, payload: Any, lineage: Mapping[str, int]) -> None: ...

    def say(self, line: str) -> None: ...


class AwsCalls:
    """Dispatch ``(service, operation, params)`` from a handler to the service that answers it."""

    def __init__(self, model: StackModel, invoker: Invoker) -> None:
        from local_runtime.services.dynamodb import Tables

        self.model, self.invoker = model, invoker
        self.tables = Tables(model)

    def call(self, caller: Caller, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if service == "dynamodb":
            return self.tables.call(caller, operation, params)
        if (service, operation) == ("lambda", "Invoke"):
            from local_runtime.services.lambda_api import invoke

            return invoke(self.model, caller, params, self.invoker)
        raise AwsError(
            "NotEmulated",
            f"the local engine does not emulate {service}.{operation}: "
            "only lambda.Invoke and DynamoDB reach it, and nothing reaches AWS",
            501,
        )

    def close(self) -> None:
        self.tables.close()
