"""Every AWS call a handler makes, answered here: one implementation per service for every runtime.

A runtime hands ``AwsCalls.call`` the service, the operation and its parameters as the SDK's
service model names them (boto3's own parameters, or a request a protocol parser read from the
wire: ``local_runtime.services.protocols``). The call is made as the running function's role
(the ``Caller`` the engine names around each invocation, told apart by the access key its
environment signs with) and answered as the service answers, or refused with ``AwsError`` in the
service's own words; what it sets in motion waits in ``outbox`` for the engine
(``local_runtime.services.effects``). A synchronous ``Invoke`` runs the function it names at once,
through the engine's ``runner``, while its caller waits. Nothing reaches AWS.
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
from local_runtime.services.s3 import Buckets
from local_runtime.services.sqs import Queues

NOT_EMULATED = (
    "lambda.Invoke, DynamoDB, sqs.SendMessage(Batch), sns.Publish, events.PutEvents and s3.PutObject, "
    "GetObject and ListObjectsV2 reach it, and nothing reaches AWS"
)


class Calls(Protocol):
    """What answers a handler's calls: ``AwsCalls`` for a stack, or a command's own (``lambda-local run``)."""

    def call(self, service: str, operation: str, params: dict[str, Any], access_key: str = "") -> dict[str, Any]: ...


class AwsCalls:
    """The services of one stack (their state: queues, buckets, tables), the function whose handler is
    running, and what its calls set in motion."""

    def __init__(self, model: StackModel) -> None:
        self.model = model
        self.queues = Queues(model)
        self.buckets = Buckets(model)
        self.tables = Tables(model)
        self.runner: lambda_api.Runner | None = None  # the engine's, for synchronous invokes
        self.callers: dict[str, Caller] = {}  # the running handlers, by the access key they sign with
        self.outbox: list[Effect] = []
        # Handlers in processes of their own call from server threads: one call at a time, and none
        # outside an invocation (``running`` waits for a call still in flight when it ends).
        self.lock = threading.Lock()

    @contextmanager
    def running(self, caller: Caller, access_key: str) -> Iterator[None]:
        with self.lock:
            self.callers[access_key] = caller
        try:
            yield
        finally:
            with self.lock:
                del self.callers[access_key]

    def call(self, service: str, operation: str, params: dict[str, Any], access_key: str = "") -> dict[str, Any]:
        with self.lock:
            # A handler that signs with credentials of its own is the one running last: a caller waiting
            # on a synchronous invoke makes no call of its own meanwhile.
            caller = self.callers.get(access_key) or next(reversed(self.callers.values()), None)
            if caller is None:
                raise AwsError("NotEmulated", "AWS calls reach the local engine only from a running handler", 501)
            response, effects = self.answer(caller, service, operation, params)
            self.outbox.extend(effects)
            return response

    def _run_unlocked(self, caller: Caller, function: Any, qualifier: str | None, payload: Any) -> lambda_api.Answer:
        """The engine's runner, with the lock given up while the function runs: its own calls take it."""
        assert self.runner is not None
        self.lock.release()
        try:
            return self.runner(caller, function, qualifier, payload)
        finally:
            self.lock.acquire()

    def answer(
        self, caller: Caller, service: str, operation: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Any]]:
        if service == "dynamodb":
            return self.tables.call(caller, operation, params), []
        if (service, operation) == ("lambda", "Invoke"):
            return lambda_api.invoke(self.model, caller, params, self._run_unlocked if self.runner else None)
        if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
            return sqs.send_message(self.model, caller, operation, params)
        if (service, operation) == ("sns", "Publish"):
            return sns.publish(self.model, caller, params)
        if (service, operation) == ("events", "PutEvents"):
            return events.put_events(self.model, caller, params)
        if (service, operation) == ("s3", "PutObject"):
            return s3.put_object(self.model, self.buckets, caller, params)
        if (service, operation) == ("s3", "GetObject"):
            return s3.get_object(self.model, self.buckets, caller, params), []
        if (service, operation) == ("s3", "ListObjectsV2"):
            return s3.list_objects_v2(self.model, self.buckets, caller, params), []
        raise AwsError("NotEmulated", f"the local engine does not emulate {service}.{operation}: {NOT_EMULATED}", 501)

    def take(self) -> list[Effect]:
        """What the calls so far set in motion, in the order they were made; the outbox is emptied."""
        with self.lock:
            taken, self.outbox = self.outbox, []
        return taken

    def close(self) -> None:
        self.tables.close()
