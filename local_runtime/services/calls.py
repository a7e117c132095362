"""Every AWS call a handler makes, answered here: one implementation per service for every runtime.

A runtime hands ``AwsCalls.call`` the service, the operation and its parameters as the SDK's
service model names them (boto3's own parameters, or a request a protocol parser read from the
wire: ``local_runtime.services.protocols``). The call is made as the running function's role
(``caller``, set by the engine around each invocation) and answered as the service answers, or
refused with ``AwsError`` in the service's own words; what it sets in motion waits in ``outbox``
for the engine (``local_runtime.services.effects``). Nothing reaches AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from local_runtime.errors import AwsError
from local_runtime.model.records import StackModel
from local_runtime.services import events, lambda_api, s3, sns, sqs
from local_runtime.services.caller import Caller
from local_runtime.services.dynamodb import Tables
from local_runtime.services.effects import Effect

NOT_EMULATED = (
    "lambda.Invoke, DynamoDB, sqs.SendMessage, sns.Publish, events.PutEvents and s3.PutObject reach it, "
    "and nothing reaches AWS"
)


class Calls(Protocol):
    """What answers a handler's calls: ``AwsCalls`` for a stack, or a command's own (``lambda-local run``)."""

    def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...


class AwsCalls:
    """The services of one stack, the function whose handler is running, and what its calls set in motion."""

    def __init__(self, model: StackModel) -> None:
        self.model = model
        self.tables = Tables(model)
        self.caller: Caller | None = None
        self.outbox: list[Effect] = []
        # Handlers in processes of their own call from server threads: one call at a time, and none
        # outside an invocation (``running`` waits for a call still in flight when it ends).
        self.lock = threading.Lock()

    @contextmanager
    def running(self, caller: Caller) -> Iterator[None]:
        with self.lock:
            self.caller = caller
        try:
            yield
        finally:
            with self.lock:
                self.caller = None

    def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.caller is None:
                raise AwsError("NotEmulated", "AWS calls reach the local engine only from a running handler", 501)
            response, effects = self.answer(self.caller, service, operation, params)
            self.outbox.extend(effects)
            return response

    def answer(
        self, caller: Caller, service: str, operation: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Any]]:
        if service == "dynamodb":
            return self.tables.call(caller, operation, params), []
        if (service, operation) == ("lambda", "Invoke"):
            return lambda_api.invoke(self.model, caller, params)
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
            return sqs.send_message(self.model, caller, operation, params)
        if (service, operation) == ("sns", "Publish"):
            return sns.publish(self.model, caller, params)
        if (service, operation) == ("events", "PutEvents"):
            return events.put_events(self.model, caller, params)
        if (service, operation) == ("s3", "PutObject"):
            return s3.put_object(self.model, caller, params)
        raise AwsError("NotEmulated", f"the local engine does not emulate {service}.{operation}: {NOT_EMULATED}", 501)

    def take(self) -> list[Effect]:
        """What the calls so far set in motion, in the order they were made; the outbox is emptied."""
        with self.lock:
            taken, self.outbox = self.outbox, []
        return taken

    def close(self) -> None:
        self.tables.close()
