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
    """The function whose handler makes a call, and its chain's invocations so far.

    ``lineage`` is what Lambda's recursion detection counts (carried by Lambda, SQS, SNS and S3);
    ``untracked`` what it no longer can, once the chain went through another service (None: never).
    """

    function: Function
    lineage: Mapping[str, int]
    untracked: Mapping[str, int] | None = None


class Router(Protocol):
    """Where what a handler sends goes: the engine's queue of events and its queues, topics, buses, buckets."""

    def send_invoke(self, caller: Caller, function: Function, qualifier: str | None, payload: Any) -> None: ...

    def to_queue(self, caller: Caller, arn: str, body: str, attributes: dict[str, Any]) -> str: ...

    def to_topic(self, caller: Caller, arn: str, message: str, attributes: dict[str, Any], subject: Any) -> str: ...

    def to_bus(self, caller: Caller, bus_arn: str, event: dict[str, Any]) -> str: ...

    def to_bucket(self, caller: Caller, bucket_arn: str, key: str, body: bytes) -> None: ...

    def say(self, line: str) -> None: ...


class AwsCalls:
    """Dispatch ``(service, operation, params)`` from a handler to the service that answers it."""

    def __init__(self, model: StackModel, router: Router) -> None:
        from local_runtime.services.dynamodb import Tables

        self.model, self.router = model, router
        self.tables = Tables(model)

    def call(self, caller: Caller, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        from local_runtime.services import messaging
        from local_runtime.services.lambda_api import invoke

        if service == "dynamodb":
            return self.tables.call(caller, operation, params)
        if (service, operation) == ("lambda", "Invoke"):
            return invoke(self.model, caller, params, self.router)
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
            return messaging.send_message(self.model, caller, operation, params, self.router)
        if (service, operation) == ("sns", "Publish"):
            return messaging.publish(self.model, caller, params, self.router)
        if (service, operation) == ("events", "PutEvents"):
            return messaging.put_events(self.model, caller, params, self.router)
        if (service, operation) == ("s3", "PutObject"):
            return messaging.put_object(self.model, caller, params, self.router)
        raise AwsError(
            "NotEmulated",
            f"the local engine does not emulate {service}.{operation}: lambda.Invoke, DynamoDB, sqs.SendMessage, "
            "sns.Publish, events.PutEvents and s3.PutObject reach it, and nothing reaches AWS",
            501,
        )

    def close(self) -> None:
        self.tables.close()
