"""Run a synthesized stack locally the way Lambda's asynchronous invocation runs it.

Everything comes from the resolved model of ``cdk.tf.json`` (``local_runtime.model``) and the code
archives it points at, unpacked to a temporary folder: what runs is what would deploy. The engine
evaluates no expression while it runs; it reads records. What it follows, with AWS's pages:
``docs/local-runtime.md``. In short:

- **A virtual clock on which executions overlap**: an attempt starts when it is due, its handler's
  own calls happen at its start plus the real time it has run, its outcome (destinations, retries)
  at its end (start plus its real duration). Nothing sleeps.
- **Attempts** ("How Lambda handles errors and retries with asynchronous invocation"): 1 +
  ``maximum_retry_attempts`` (2 when unset), retries 60 s and 120 s after a failed attempt; an event
  older than ``maximum_event_age_in_seconds`` (21600 when unset) when an attempt is due is discarded
  (``EventAgeExceeded``); after the last failed attempt, ``RetriesExhausted``. Init errors are
  function errors.
- **Concurrency**: ``reserved_concurrent_executions`` N > 0 lets at most N executions of the function
  overlap; an event that finds N running is throttled and tried again after 1, 2, 4 ... up to 300 s,
  until its age passes the maximum; throttles do not count against the retries. 0 sends every
  event straight to the on-failure destination and dead-letter queue, without retries ("Capturing
  records of Lambda asynchronous invocations"). Throttles are listed in the run's ``throttles``.
- **Records** as Lambda shapes them, to the on-success or on-failure destination, if the source
  role allows what the delivery needs and the record fits the destination (SNS 262,144 bytes;
  SQS, EventBridge and Lambda 1,048,576): otherwise it is dropped (``DestinationDeliveryFailures``).
  After the final failure the original event also goes to the function's **dead-letter queue**
  (``dead_letter_config``) with the ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes, if
  the role may send there (otherwise ``DeadLetterErrors``).
- **Destinations and what they lead to**: a function of the stack is invoked asynchronously; a queue
  keeps the message and its **event source mappings** consume it (batches, the batching window,
  visibility timeouts, receive counts, the queue's redrive policy, partial batch responses); a topic
  fans out to its subscriptions; a bus to every matching rule's targets (input transformed); a bucket
  keeps the object under Lambda's key and notifies (``aws_s3_bucket_notification``); anything else,
  or an ARN outside the stack, is recorded as delivered there. Function targets need a Lambda
  permission for the service, from that source; queues and topics their resource policy.
- **Handlers' own AWS calls** go to ``local_runtime.services`` as the caller's role, never to AWS.
- **At-least-once delivery**: with ``duplicates=True`` every asynchronous event after the first is
  delivered twice, as Lambda occasionally does.
- **Recursion** ("Recursive loop detection"): a chain of invocations through Lambda, SQS, SNS and S3 is
  stopped when a function would run a 17th time, unless its ``aws_lambda_function_recursion_config``
  says ``Allow``; the stopped event goes to the on-failure destination and dead-letter queue
  (condition ``RecursiveInvocationException``). A loop through another service (EventBridge) is
  one Lambda cannot see: the engine lets it run up to its own bound, then stops it and reports it.
- **Execution environments**: one per function and version (``local_runtime.runtimes``), warm.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import itertools
import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote_plus

from local_runtime import iam
from local_runtime.errors import AwsError, EngineError
from local_runtime.event_patterns import InputError, UnsupportedPattern, matches, transform_input
from local_runtime.model.records import (
    DEFAULT_MAX_EVENT_AGE,
    DEFAULT_RETRIES,
    LATEST,
    MAPPING_ACTIONS,
    EventSourceMapping,
    Function,
    InvokeConfig,
    StackModel,
    Target,
)
from local_runtime.runtimes import Executor, Invocation, InvocationRequest, archive, executor_for
from local_runtime.services import AwsCalls, Caller
from local_runtime.services.endpoint import Endpoint
from local_runtime.services.lambda_api import MAX_ASYNC_PAYLOAD_BYTES, too_large
from local_runtime.services.messaging import EVENTS_MAX_BYTES, SNS_MAX_BYTES, SQS_MAX_BYTES
from local_runtime.services.sqs import Message, Queues

RETRY_DELAYS_S = (60, 120)
THROTTLE_FIRST_S, THROTTLE_MAX_S = 1, 300
RECURSION_LIMIT = 16
STOPPED_LOOP = "RecursiveInvocationException"
STOPPED_MARK = "(stopped)"  # in a chain's lineage: its event was stopped as a loop once already
# A loop Lambda's detection cannot see (through EventBridge) runs on AWS; the engine stops it here.
UNTRACKED_LOOP_BOUND = 100
# What a record may weigh, by destination kind (AWS's service quotas).
SIZE_LIMITS = {
    "sns": SNS_MAX_BYTES,
    "sqs": SQS_MAX_BYTES,
    "eventbridge": EVENTS_MAX_BYTES,
    "lambda": MAX_ASYNC_PAYLOAD_BYTES,
}
RATE_EXCEEDED = (429, "Rate Exceeded.")
LOOP_STOPPED = (400, "Lambda stopped a recursive loop: the function was invoked 16 times in this chain of requests")


@dataclass
class _Event:
    """An asynchronous invocation waiting in Lambda's queue for its next attempt."""

    function: Function
    qualifier: str | None
    payload: Any
    request_id: str
    enqueued_at: float
    lineage: Mapping[str, int]  # invocations per function so far in this chain, as Lambda counts them
    untracked: Mapping[str, int] | None  # the same since the chain left what Lambda can follow
    origin: str = "caller"  # who sent it, for the run's trace
    attempt: int = 1
    throttles: int = 0
    last: Invocation | None = None


@dataclass(order=True)
class _Step:
    due: float
    sequence: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Run:
    """What happened: the JSON the ``async`` command prints with ``--json``.

    ``queues``: what each queue of the stack holds at the end (consumed messages are gone), as
    payloads; ``queue_messages`` the same as SQS messages (body, message attributes, receive count).
    ``trace`` (not part of the JSON): every invocation and delivery in order, as
    ``(virtual seconds, from, to, what)``, which ``local_runtime.diagram`` draws.
    """

    invocations: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    queues: dict[str, list[Any]] = field(default_factory=dict)
    topics: dict[str, list[Any]] = field(default_factory=dict)
    buses: dict[str, list[Any]] = field(default_factory=dict)
    buckets: dict[str, list[Any]] = field(default_factory=dict)
    external: dict[str, list[Any]] = field(default_factory=dict)
    tables: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    virtual_seconds: float = 0.0
    throttles: list[dict[str, Any]] = field(default_factory=list)
    queue_messages: dict[str, list[Any]] = field(default_factory=dict)
    trace: list[tuple[float, str, str, str]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "trace"}

    def results_of(self, function: str) -> list[Any]:
        """What each invocation of ``function`` (a construct path) returned, or its error payload."""
        return [i["result"] for i in self.invocations if i["function"] == function]


class Engine:
    """Runs asynchronous invocations of one synthesized stack. Use as a context manager."""

    def __init__(
        self,
        stack: StackModel,
        *,
        out: TextIO | None = None,
        environment: Mapping[str, Mapping[str, str]] | None = None,
        timeouts: Mapping[str, int] | None = None,
        max_invocations: int = 10_000,
        duplicates: bool = False,
    ) -> None:
        """``environment`` and ``timeouts`` override, per function construct path, what the JSON says.

        Raises EngineError for what Lambda would refuse at deploy: a code archive that is missing,
        unreadable, not a zip, or outside the stack's folder.
        """
        if stack.directory is None:
            raise EngineError(f"{stack.source}: the engine needs the stack's folder to find its code archives")
        self.stack = stack
        self.out = out if out is not None else io.StringIO()
        self.environment = environment or {}
        self.timeouts = timeouts or {}
        self.max_invocations = max_invocations
        self.duplicates = duplicates
        self.run = Run()
        self.now = 0.0
        self.handler_seconds = 0.0
        self._latest = 0.0
        self._epoch = datetime.now(UTC)
        self._steps: list[_Step] = []
        self._sequence = itertools.count()
        self._busy: dict[str, list[tuple[float, float]]] = {}  # function path -> (start, end) of executions
        self._clock: tuple[float, float] | None = None  # (virtual, real) start of the running handler
        self._archives = {
            path: archive.check(function)
            for path, function in stack.functions.items()
            if function.code.filename is not None or function.code.problem is not None
        }
        self._workdir = tempfile.TemporaryDirectory(prefix="lambda-engine-")
        self._executors: dict[tuple[str, str], Executor] = {}
        self._caller: Caller | None = None
        self.services = AwsCalls(stack, self)
        self.queues = Queues(stack)
        # Handlers in processes of their own call AWS through a loopback endpoint (server threads): the
        # engine's state changes only under this lock, while their invocation waits for them.
        self._lock = threading.Lock()
        self._endpoint: Endpoint | None = None
        self._consumers: dict[str, list[EventSourceMapping]] = {}
        self._polls: dict[int, float] = {}  # mapping -> when its next poll is due
        self._check_mappings()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        for executor in self._executors.values():
            executor.close()
        self._executors.clear()
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        self.services.close()
        self._workdir.cleanup()

    # --- entry points ----------------------------------------------------------------------------

    def invoke_async(self, function_path: str, payload: Any, qualifier: str | None = None) -> Run:
        """Invoke a function asynchronously (``InvocationType=Event``) and run until nothing is left."""
        self.queue_event(function_path, payload, qualifier)
        return self.drain()

    def queue_event(self, function_path: str, payload: Any, qualifier: str | None = None) -> None:
        """An asynchronous invoke of the function now, run by the next ``drain`` (several make a burst)."""
        function = self.function(function_path)
        size = len(json.dumps(payload).encode())
        if size > MAX_ASYNC_PAYLOAD_BYTES:
            raise EngineError(f"RequestTooLargeException: {too_large(size)}")
        self.enqueue(function, qualifier, payload, lineage={}, first=True)

    def send_message(self, queue: str, body: Any, attributes: Mapping[str, Any] | None = None) -> str:
        """An SQS ``SendMessage`` to a queue of the stack from outside it (as ``aws sqs send-message``).

        ``queue``: its construct path, ARN or URL; ``body`` a string, or JSON-encoded. Its consumers
        (event source mappings) receive it in the next ``drain``. Returns the message id.
        """
        record = self.stack.queues.get(queue) or next(
            (q for q in self.stack.queues.values() if queue in (q.ref.path, q.url)), None
        )
        if record is None:
            known = ", ".join(sorted(q.ref.path for q in self.stack.queues.values())) or "none"
            raise EngineError(f"no queue {queue!r} in stack {self.stack.name}; its queues: {known}")
        text = body if isinstance(body, str) else json.dumps(body)
        if len(text.encode()) > SQS_MAX_BYTES:
            raise EngineError(f"InvalidParameterValue: the message is over SQS's {SQS_MAX_BYTES} bytes")
        message = self.queues.send(record.arn, text, self.now, message_attributes=attributes)
        self._wake_consumers(record.arn)
        return message.message_id

    def invoke_sync(self, function_path: str, payload: Any, qualifier: str | None = None) -> Invocation:
        """Invoke a function synchronously (as API Gateway does): one attempt, no destinations.

        What the handler queues (its asynchronous invokes) waits for ``drain``.
        """
        function = self.function(function_path)
        self.services.tables.start()
        event = _Event(function, qualifier, payload, str(uuid.uuid4()), self.now, {}, None)
        return self._invoke(event, {function.path: 1}, None)

    def drain(self) -> Run:
        """Run every queued event, poll and delivery, and what they cause, until nothing is left."""
        self.services.tables.start()  # before any handler runs: its environment must not shape the client
        while self._steps:
            step = heapq.heappop(self._steps)
            self.now = step.due
            step.run()
        self.now = max(self.now, self._latest)
        self.run.virtual_seconds = round(self.now, 3)
        self.run.tables = self.services.tables.items() or self.run.tables
        self.run.queues, self.run.queue_messages = self.queues.contents(self._label)
        return self.run

    def function(self, path: str) -> Function:
        function = self.stack.functions.get(path)
        if function is None:
            raise EngineError(
                f"no function {path!r} in stack {self.stack.name}; "
                f"its functions: {', '.join(sorted(self.stack.functions)) or 'none'}"
            )
        return function

    # --- the clock ---------------------------------------------------------------------------------

    def _schedule(self, due: float, run: Callable[[], None]) -> None:
        heapq.heappush(self._steps, _Step(due, next(self._sequence), run))

    def virtual_now(self) -> float:
        """Now on the virtual clock: inside a running handler, its start plus the real time it has run."""
        if self._clock is not None:
            return self._clock[0] + (time.perf_counter() - self._clock[1])
        return self.now

    def _running(self, function: str) -> int:
        """Executions of the function that overlap ``now`` (those that ended are forgotten)."""
        intervals = [(s, e) for s, e in self._busy.get(function, []) if e > self.now]
        self._busy[function] = intervals
        return sum(1 for s, _ in intervals if s <= self.now)

    def _throttle(self, function: Function, reason: str) -> None:
        self.run.throttles.append({"function": function.path, "time": round(self.now, 3), "reason": reason})
        self.say(f"{function.path}: throttled ({reason})")

    # --- Lambda's asynchronous invocation ----------------------------------------------------------

    def enqueue(
        self,
        function: Function,
        qualifier: str | None,
        payload: Any,
        lineage: Mapping[str, int],
        *,
        untracked: Mapping[str, int] | None = None,
        first: bool = False,
        origin: str | None = None,
    ) -> None:
        """Queue an asynchronous event; with ``duplicates``, every one after the first arrives twice."""
        request_id, now = str(uuid.uuid4()), self.virtual_now()
        sender = origin or (self._caller.function.path if self._caller is not None else "caller")
        for _ in range(2 if self.duplicates and not first else 1):
            event = _Event(
                function,
                qualifier,
                json.loads(json.dumps(payload)),
                request_id,
                now,
                dict(lineage),
                dict(untracked) if untracked is not None else None,
                sender,
            )
            self._schedule(now, lambda event=event: self._attempt(event))  # type: ignore[misc]

    def _attempt(self, event: _Event) -> None:
        function = event.function
        config = self.stack.invoke_config(function.path, event.qualifier)
        retries = config.max_retries if config else DEFAULT_RETRIES
        max_age = config.max_event_age if config else DEFAULT_MAX_EVENT_AGE
        if self.now - event.enqueued_at > max_age:
            self.say(
                f"{function.path}: event {event.request_id} is {self.now - event.enqueued_at:.0f} s old, "
                f"over {max_age} s"
            )
            error = RATE_EXCEEDED if event.last is None and event.throttles else None
            return self._conclude(
                event, config, "EventAgeExceeded", event.last, event.lineage, event.attempt - 1, error
            )
        stop = self._loop_stop(function, event.lineage, event.untracked, event.request_id)
        if stop == "lambda":
            if event.lineage.get(STOPPED_MARK):
                # The record of a stopped event came back to the loop it was stopped in (its on-failure
                # destination feeds the function): AWS documents nothing; the engine sends it nowhere.
                self._drop(function.path, f"{STOPPED_LOOP}: event {event.request_id} was stopped again; not sent on")
                return None
            stopped = {**event.lineage, STOPPED_MARK: 1}
            return self._conclude(event, config, STOPPED_LOOP, None, stopped, event.attempt - 1, LOOP_STOPPED)
        if stop == "engine":
            return None
        limit = function.reserved_concurrency
        if limit == 0:
            self._throttle(function, "reserved concurrency 0: Lambda sends the event on without running it")
            return self._conclude(event, config, "RetriesExhausted", None, event.lineage, 0, RATE_EXCEEDED)
        if limit is not None and self._running(function.path) >= limit:
            delay = min(THROTTLE_MAX_S, THROTTLE_FIRST_S * 2**event.throttles)
            event.throttles += 1
            self._throttle(function, f"{limit} of {limit} reserved executions running; tried again in {delay} s")
            self._schedule(self.now + delay, lambda: self._attempt(event))
            return None
        lineage, untracked = _counted(function, event.lineage, event.untracked)
        invocation = self._invoke(event, lineage, untracked)
        if invocation.error is None:
            return self._conclude(event, config, "Success", invocation, lineage, event.attempt, untracked=untracked)
        if event.attempt <= retries:
            delay = RETRY_DELAYS_S[min(event.attempt, len(RETRY_DELAYS_S)) - 1]
            self.say(f"{function.path}: attempt {event.attempt} failed ({invocation.error_type}); retry in {delay} s")
            event.attempt, event.last, event.origin = event.attempt + 1, invocation, function.path
            self._schedule(self.now + delay, lambda: self._attempt(event))
            return None
        return self._conclude(
            event, config, "RetriesExhausted", invocation, lineage, event.attempt, untracked=untracked
        )

    def _loop_stop(
        self, function: Function, lineage: Mapping[str, int], untracked: Mapping[str, int] | None, request_id: str
    ) -> str | None:
        """Who stops this invocation of a loop: "lambda" (its detection), "engine" (a loop it cannot see), or None."""
        if lineage.get(function.path, 0) >= RECURSION_LIMIT and function.recursive_loop != "Allow":
            self.say(
                f"{function.path}: recursive loop stopped: invoked {RECURSION_LIMIT} times in this chain "
                "and no aws_lambda_function_recursion_config allows more"
            )
            return "lambda"
        if untracked is not None and untracked.get(function.path, 0) >= UNTRACKED_LOOP_BOUND:
            problem = (
                f"{function.path} runs in a loop through a service Lambda's recursion detection does not follow "
                f"(it covers Lambda, SQS, SNS and S3): the engine stopped it after {UNTRACKED_LOOP_BOUND} "
                "invocations; on AWS it would go on"
            )
            if problem not in self.run.problems:
                self.run.problems.append(problem)
            self._drop(function.path, f"the engine's loop bound stopped event {request_id} (see problems)")
            return "engine"
        return None

    def _invoke(self, event: _Event, lineage: Mapping[str, int], untracked: Mapping[str, int] | None) -> Invocation:
        if len(self.run.invocations) >= self.max_invocations:
            raise EngineError(f"stopped after {self.max_invocations} invocations: the run does not end")
        function = event.function
        version = self._executed_version(function, event.qualifier)
        executor = self._executor(function, version)
        timeout = self.timeouts.get(function.path, function.timeout)
        invoked_arn = f"{function.arn}:{event.qualifier}" if event.qualifier else function.arn
        started_at = self.now
        self.say(f"{function.path} ({function.name}) attempt {event.attempt}")
        self.run.trace.append((started_at, event.origin, function.path, f"invoke, attempt {event.attempt}"))
        with self._lock:
            self._caller = Caller(function, lineage, untracked)
            self._clock = (started_at, time.perf_counter())
        try:
            invocation = executor.invoke(
                InvocationRequest(
                    event=event.payload,
                    request_id=event.request_id,
                    function_name=function.name,
                    function_version=version,
                    invoked_function_arn=invoked_arn,
                    memory_limit_in_mb=function.memory_size,
                    timeout_s=timeout,
                    environment=self._runtime_environment(function, version),
                    out=self.out,
                    region=self.stack.region,
                    log_group_name=f"/aws/lambda/{function.name}",
                )
            )
        finally:
            with self._lock:  # waits for a call the handler's process still has in flight
                self._caller, self._clock = None, None
        self.now = started_at + invocation.duration_ms / 1000
        self._latest = max(self._latest, self.now)
        # Executions that ended before this one started overlap nothing that is still due.
        busy = [(s, e) for s, e in self._busy.get(function.path, ()) if e > started_at]
        self._busy[function.path] = [*busy, (started_at, self.now)]
        self.handler_seconds += invocation.duration_ms / 1000
        self.run.invocations.append(
            {
                "function": function.path,
                "attempt": event.attempt,
                "status": "error" if invocation.error else "success",
                "error_type": invocation.error_type,
                "request_id": event.request_id,
                "duration_ms": round(invocation.duration_ms, 3),
                "result": invocation.error if invocation.error is not None else invocation.result,
                "time": round(started_at, 3),
            }
        )
        return invocation

    def _conclude(
        self,
        event: _Event,
        config: InvokeConfig | None,
        condition: str,
        invocation: Invocation | None,
        lineage: Mapping[str, int],
        attempts: int,
        error: tuple[int, str] | None = None,
        untracked: Mapping[str, int] | None = None,
    ) -> None:
        """The event is done: ``attempts`` ran, the last one's outcome is ``invocation`` (if any ran)."""
        function = event.function
        failed = condition != "Success"
        if failed and function.dead_letter is not None:
            last = invocation or event.last
            code, message = error or (200, str((last.error or {}).get("errorMessage", "")) if last else "")
            self._dead_letter(event, code, message, lineage, untracked)
        destination = (config.on_success if condition == "Success" else config.on_failure) if config else None
        if destination is None:
            if failed and function.dead_letter is None:
                self._drop(
                    function.path,
                    f"{condition} after {attempts} attempt(s) and no on-failure destination: Lambda discards the event",
                )
            return
        record = self._record(event, condition, invocation, attempts)
        self._deliver_record(function, event.qualifier, condition, destination, record, lineage, untracked)

    def _record(self, event: _Event, condition: str, invocation: Invocation | None, attempts: int) -> dict[str, Any]:
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": self._timestamp(),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": f"{event.function.arn}:{event.qualifier or LATEST}",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event.payload,
        }
        if invocation is not None:
            response: dict[str, Any] = {
                "statusCode": 200,
                "executedVersion": self._executed_version(event.function, event.qualifier),
            }
            if invocation.error is not None:
                response["functionError"] = "Unhandled"
            record["responseContext"] = response
            record["responsePayload"] = invocation.error if invocation.error is not None else invocation.result
        return record

    def _dead_letter(
        self, event: _Event, code: int, message: str, lineage: Mapping[str, int], untracked: Mapping[str, int] | None
    ) -> None:
        """The original event to the function's dead-letter queue or topic, with Lambda's three attributes."""
        function = event.function
        target = function.dead_letter
        assert target is not None
        body = json.dumps(event.payload)
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": str(code)},
            "ErrorMessage": {"DataType": "String", "StringValue": message.encode()[:1024].decode(errors="ignore")},
        }
        missing = [r for r in target.requirements if not iam.allows(function.role, r.action, r.resource)]
        reason = None
        if missing:
            role = function.role.path if function.role else "(none)"
            reason = "; ".join(f"role {role} does not allow {r.action} on {r.resource}" for r in missing)
        elif len(body.encode()) + len(json.dumps(attributes)) > SIZE_LIMITS.get(target.kind, MAX_ASYNC_PAYLOAD_BYTES):
            reason = f"the event is over the {SIZE_LIMITS[target.kind]}-byte limit of {target.kind}"
        self._record_delivery(function.path, "DeadLetter", target, event.payload, reason)
        if reason:
            self._drop(function.path, f"DeadLetterErrors: the event was not sent to the dead-letter queue: {reason}")
            return
        if target.kind == "sqs" and target.arn in self.stack.queues:
            self.queues.send(
                target.arn, body, self.now, message_attributes=attributes, lineage=lineage, untracked=untracked
            )
            self._wake_consumers(target.arn)
        elif target.kind == "sns" and target.arn in self.stack.topics:
            self._publish(target.arn, body, "DeadLetter", lineage, untracked, attributes=attributes)
        else:
            self.run.external.setdefault(self._label(target.arn), []).append(
                {"body": body, "messageAttributes": attributes}
            )

    # --- deliveries ------------------------------------------------------------------------------

    def _deliver_record(
        self,
        source: Function,
        qualifier: str | None,
        condition: str,
        destination: Target,
        record: dict[str, Any],
        lineage: Mapping[str, int],
        untracked: Mapping[str, int] | None,
    ) -> None:
        missing = [r for r in destination.requirements if not iam.allows(source.role, r.action, r.resource)]
        payload = self._bus_event(source, qualifier, condition, record) if destination.kind == "eventbridge" else record
        reason = None
        limit = SIZE_LIMITS.get(destination.kind)
        size = len(json.dumps(payload).encode())
        if missing:
            role = source.role.path if source.role else "(none)"
            reason = "; ".join(f"role {role} does not allow {r.action} on {r.resource}" for r in missing)
        elif limit is not None and size > limit:
            reason = (
                f"DestinationDeliveryFailures: the record is {size} bytes, "
                f"over the {limit}-byte limit of {destination.kind}"
            )
        self._record_delivery(source.path, condition, destination, payload, reason)
        if reason:
            self._drop(source.path, f"{condition} record not delivered: {reason}")
            return
        self._arrive(destination, payload, condition, lineage, untracked, origin=source.path)

    def _arrive(
        self,
        target: Target,
        payload: Any,
        condition: str,
        lineage: Mapping[str, int],
        untracked: Mapping[str, int] | None,
        origin: str,
    ) -> None:
        """``payload`` reaches ``target``; what happens next depends on what it is."""
        label = self._label(target.arn)
        if target.function is not None:
            function = self.stack.functions[target.function]
            self.enqueue(function, target.qualifier, payload, lineage, untracked=untracked, origin=origin)
            return
        if target.kind == "sqs" and target.arn in self.stack.queues:
            body = payload if isinstance(payload, str) else json.dumps(payload)
            self.queues.send(target.arn, body, self.now, lineage=lineage, untracked=untracked)
            self._wake_consumers(target.arn)
            return
        if target.kind == "sns" and target.arn in self.stack.topics:
            self._publish(target.arn, payload, condition, lineage, untracked)
            return
        if target.kind == "eventbridge" and any(b.arn == target.arn for b in self.stack.buses.values()):
            self._put_event(target.arn, payload, condition, lineage, untracked, origin)
            return
        if target.kind == "s3" and target.arn in self.stack.buckets:
            context = payload.get("requestContext", {}) if isinstance(payload, dict) else {}
            function_name = str(context.get("functionArn", "")).split(":")[6:7] or ["unknown"]
            moment = self._moment()
            key = f"aws/lambda/async/{function_name[0]}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
            self._write_object(target.arn, key, payload, lineage, untracked)
            return
        self.run.external.setdefault(label, []).append(payload)

    def _put_event(
        self,
        bus_arn: str,
        event: dict[str, Any],
        condition: str,
        lineage: Mapping[str, int],
        untracked: Mapping[str, int] | None,
        origin: str,
    ) -> None:
        bus_label = self._label(bus_arn)
        self.run.buses.setdefault(bus_label, []).append(event)
        bus_name = bus_arn.rsplit("/", 1)[-1]
        # EventBridge carries no recursion metadata: what a rule invokes starts a chain Lambda cannot follow.
        lost = _merged(untracked, lineage)
        matched = False
        for rule in self.stack.rules:
            if rule.bus_name != bus_name or not rule.enabled or rule.pattern is None:
                continue
            try:
                if not matches(rule.pattern, event):
                    continue
            except UnsupportedPattern as error:
                self.run.problems.append(f"rule {rule.path} uses {error}: treated as not matching")
                continue
            matched = True
            self.run.trace.append((self.now, bus_label, rule.path, "matches the rule's pattern"))
            for rule_target in rule.targets:
                target = rule_target.target
                try:
                    received = transform_input(
                        event,
                        input=rule_target.input,
                        input_path=rule_target.input_path,
                        input_transformer=dict(rule_target.input_transformer)
                        if rule_target.input_transformer
                        else None,
                        rule_name=rule.name,
                        rule_arn=rule.arn,
                    )
                except InputError as error:
                    self._record_delivery(rule.path, condition, target, None, str(error))
                    self._drop(rule.path, f"target {self._label(target.arn)} not invoked: {error}")
                    continue
                reason = self._resource_policy_refusal(target, "events.amazonaws.com", rule.arn, rule.path)
                self._record_delivery(rule.path, condition, target, received, reason)
                if reason:
                    self._drop(rule.path, f"target {self._label(target.arn)} not invoked: {reason}")
                else:
                    self._arrive(target, received, condition, {}, lost, origin=rule.path)
        if not matched:
            self._drop(origin, f"the event on {bus_label} matched no enabled rule")

    def _publish(
        self,
        topic_arn: str,
        message: Any,
        condition: str,
        lineage: Mapping[str, int],
        untracked: Mapping[str, int] | None,
        *,
        attributes: Mapping[str, Any] | None = None,
        subject: Any = None,
    ) -> str:
        message_id = str(uuid.uuid4())
        subscriptions = [s for s in self.stack.subscriptions if s.topic_arn == topic_arn]
        if not subscriptions:
            self.run.topics.setdefault(self._label(topic_arn), []).append(message)
            return message_id
        text = message if isinstance(message, str) else json.dumps(message)
        sns_attributes = {
            name: {"Type": value.get("DataType", "String"), "Value": value.get("StringValue")}
            for name, value in (attributes or {}).items()
        }
        for subscription in subscriptions:
            if subscription.filter_policy is not None and not _passes_filter(
                subscription.filter_policy, sns_attributes
            ):
                continue
            endpoint = subscription.endpoint
            envelope = self._sns_notification(topic_arn, text, message_id, sns_attributes, subject)
            if subscription.protocol == "lambda":
                payload: Any = {
                    "Records": [
                        {
                            "EventSource": "aws:sns",
                            "EventVersion": "1.0",
                            "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                            "Sns": envelope,
                        }
                    ]
                }
            elif subscription.protocol == "sqs":
                payload = text if subscription.raw_message_delivery else envelope
            else:
                payload = envelope
            reason = self._resource_policy_refusal(endpoint, "sns.amazonaws.com", topic_arn, self._label(topic_arn))
            self._record_delivery(subscription.ref.path, condition, endpoint, payload, reason)
            if reason:
                self._drop(
                    subscription.ref.path, f"subscription endpoint {self._label(endpoint.arn)} not reached: {reason}"
                )
            else:
                self._arrive(endpoint, payload, condition, lineage, untracked, origin=subscription.ref.path)
        return message_id

    def _write_object(
        self, bucket_arn: str, key: str, body: Any, lineage: Mapping[str, int], untracked: Mapping[str, int] | None
    ) -> None:
        """An object in a bucket of the stack, and the notifications its bucket sends for a new object."""
        bucket = self.stack.buckets[bucket_arn]
        self.run.buckets.setdefault(self._label(bucket_arn), []).append({"key": key, "body": body})
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        for notification in bucket.notifications:
            if not any(e in ("s3:ObjectCreated:*", "s3:ObjectCreated:Put") for e in notification.events):
                continue
            if not (key.startswith(notification.prefix) and key.endswith(notification.suffix)):
                continue
            event = self._s3_event(bucket.name, bucket_arn, key, data)
            target = notification.target
            reason = self._resource_policy_refusal(target, "s3.amazonaws.com", bucket_arn, bucket.ref.path)
            self._record_delivery(bucket.ref.path, "ObjectCreated", target, event, reason)
            if reason:
                self._drop(bucket.ref.path, f"notification to {self._label(target.arn)} not sent: {reason}")
            else:
                self._arrive(target, event, "ObjectCreated", lineage, untracked, origin=bucket.ref.path)

    def _resource_policy_refusal(self, target: Target, principal: str, source_arn: str, source: str) -> str | None:
        return iam.service_refusal(self.stack, target, principal, source_arn, source)

    def _record_delivery(self, source: str, condition: str, target: Target, payload: Any, reason: str | None) -> None:
        self.run.deliveries.append(
            {
                "source": source,
                "condition": condition,
                "destination_kind": target.kind,
                "destination": self._label(target.arn),
                "allowed": reason is None,
                "payload": payload,
                "reason": reason,
            }
        )
        verdict = "delivered" if reason is None else f"DENIED: {reason}"
        what = f"{condition} ({'delivered' if reason is None else 'denied'})"
        self.run.trace.append((self.now, source, self._label(target.arn), what))
        self.say(f"{source} --{condition}--> {target.kind} {self._label(target.arn)}: {verdict}")

    def _drop(self, function: str, reason: str) -> None:
        self.run.dropped.append({"function": function, "reason": reason})
        self.say(f"dropped ({function}): {reason}")

    # --- event source mappings (SQS consumers) -----------------------------------------------------

    def _check_mappings(self) -> None:
        """Mappings Lambda would accept, by queue; what it would refuse is a problem of the run."""
        for mapping in self.stack.event_source_mappings:
            name = mapping.ref.path
            if not mapping.enabled or mapping.function is None:
                continue
            if mapping.source_arn not in self.stack.queues:
                self.run.problems.append(
                    f"event source mapping {name} reads {mapping.source_label}, which is not a queue of this stack: "
                    "the local engine consumes only the stack's SQS queues"
                )
                continue
            role = self.stack.functions[mapping.function].role
            missing = [a for a in MAPPING_ACTIONS if not iam.allows(role, a, mapping.source_arn)]
            if missing:
                self.run.problems.append(
                    f"event source mapping {name} is broken: the role of {mapping.function} does not allow "
                    f"{', '.join(missing)} on {mapping.source_label} (Lambda refuses to create it)"
                )
                continue
            self._consumers.setdefault(mapping.source_arn, []).append(mapping)

    def _wake_consumers(self, queue_arn: str, at: float | None = None) -> None:
        for mapping in self._consumers.get(queue_arn, []):
            due = (self.now if at is None else at) + mapping.batching_window
            key = id(mapping)
            if key in self._polls and self._polls[key] <= due:
                continue
            self._polls[key] = due
            self._schedule(due, lambda mapping=mapping, due=due: self._poll(mapping, due))  # type: ignore[misc]

    def _poll(self, mapping: EventSourceMapping, due: float) -> None:
        """Lambda's poller: receive batches while messages are visible and executions are free."""
        key = id(mapping)
        if self._polls.get(key) != due:
            return  # a sooner poll took this one's place
        del self._polls[key]
        queue, function = self.stack.queues[mapping.source_arn], self.stack.functions[str(mapping.function)]
        started = self.now
        while True:
            self.now = started
            limits = [n for n in (function.reserved_concurrency, mapping.maximum_concurrency) if n is not None]
            if limits and self._running(function.path) >= min(limits):
                if min(limits) == 0:
                    self._throttle(function, "reserved concurrency 0: the poller does not receive")
                    return
                self._throttle(function, f"{min(limits)} concurrent executions running: the batch waits")
                self._wake_consumers(
                    queue.arn, at=min(e for _, e in self._busy[function.path]) - mapping.batching_window
                )
                return
            batch = self.queues.receive(queue.arn, self.now, mapping.batch_size)
            for moved_from, moved_to, message in self._take_moves():
                moved = f"message {message.message_id} moved to {self._label(moved_to)}"
                self.say(f"{self._label(moved_from)}: {moved} (redrive)")
                if moved_to not in self.stack.queues:
                    self.run.external.setdefault(self._label(moved_to), []).append(
                        json.loads(message.body) if _is_json(message.body) else message.body
                    )
                else:
                    self._wake_consumers(moved_to)
            if not batch:
                later = self.queues.next_visible(queue.arn, self.now)
                if later is not None:
                    self._wake_consumers(queue.arn, at=later - mapping.batching_window)
                return
            batch = self._filtered(mapping, queue.arn, batch)
            if batch:
                self._consume(mapping, function, queue.arn, batch)

    def _filtered(self, mapping: EventSourceMapping, queue_arn: str, batch: list[Message]) -> list[Message]:
        """The messages of the batch the mapping's filter criteria let through; Lambda deletes the others.

        ("Control which events Lambda sends to your function": a JSON body is matched as an object.)
        """
        if not mapping.filters:
            return batch
        queue, kept = self.stack.queues[queue_arn], []
        for message in batch:
            record = message.record(queue, self.stack.region, 0)
            fields = {**record, "body": _loads(message.body)}
            try:
                passes = any(matches(pattern, fields) for pattern in mapping.filters)
            except UnsupportedPattern as error:
                problem = f"event source mapping {mapping.ref.path} uses {error}: treated as not matching"
                if problem not in self.run.problems:
                    self.run.problems.append(problem)
                passes = False
            if passes:
                kept.append(message)
            else:
                self.queues.delete(queue_arn, message)
                self.say(f"{queue.ref.path}: message {message.message_id} fails {mapping.ref.path}'s filter: deleted")
        return kept

    def _take_moves(self) -> list[tuple[str, str, Message]]:
        moves, self.queues.moved = self.queues.moved, []
        return moves

    def _consume(self, mapping: EventSourceMapping, function: Function, queue_arn: str, batch: list[Message]) -> None:
        queue = self.stack.queues[queue_arn]
        lineage: dict[str, int] = {}
        untracked: dict[str, int] | None = None
        for message in batch:
            lineage = {k: max(lineage.get(k, 0), v) for k, v in {**lineage, **message.lineage}.items()}
            if message.untracked is not None:
                untracked = _merged(untracked, message.untracked)
        epoch_ms = int(self._epoch.timestamp() * 1000)
        event_payload = {"Records": [m.record(queue, self.stack.region, epoch_ms) for m in batch]}
        request_id = str(uuid.uuid4())
        event = _Event(
            function, mapping.qualifier, event_payload, request_id, self.now, lineage, untracked, queue.ref.path
        )
        event.attempt = max(m.receive_count for m in batch)
        stop = self._loop_stop(function, lineage, untracked, request_id)
        if stop == "engine":
            for message in batch:
                self.queues.delete(queue_arn, message)
            return
        if stop == "lambda":
            # "Recursive loop detection": the batch is not processed; it returns to the queue and is
            # received again until the queue's redrive policy moves it to its dead-letter queue.
            self.say(f"{queue.ref.path}: {len(batch)} message(s) back after the visibility timeout ({STOPPED_LOOP})")
            self._wake_consumers(queue_arn, at=self.now + queue.visibility_timeout - mapping.batching_window)
            return
        lineage, untracked = _counted(function, lineage, untracked)
        invocation = self._invoke(event, lineage, untracked)
        failed = {m.message_id for m in batch} if invocation.error is not None else set()
        if invocation.error is None and mapping.report_batch_item_failures:
            failed = _reported_failures(invocation.result, batch)
        for message in batch:
            if message.message_id not in failed:
                self.queues.delete(queue_arn, message)
        if failed:
            self.say(f"{queue.ref.path}: {len(failed)} message(s) of the batch back after the visibility timeout")
            self._wake_consumers(queue_arn, at=self.now + queue.visibility_timeout - mapping.batching_window)

    # --- what handlers send (local_runtime.services' Router) ----------------------------------------

    def send_invoke(self, caller: Caller, function: Function, qualifier: str | None, payload: Any) -> None:
        self.enqueue(function, qualifier, payload, caller.lineage, untracked=caller.untracked)

    def to_queue(self, caller: Caller, arn: str, body: str, attributes: dict[str, Any]) -> str:
        self.run.trace.append((self.virtual_now(), caller.function.path, self._label(arn), "SendMessage"))
        self.say(f"{caller.function.path} sent a message to {self._label(arn)}")
        if arn not in self.stack.queues:
            self.run.external.setdefault(self._label(arn), []).append(_loads(body))
            return str(uuid.uuid4())
        message = self.queues.send(
            arn,
            body,
            self.virtual_now(),
            message_attributes=attributes,
            lineage=caller.lineage,
            untracked=caller.untracked,
        )
        self._wake_consumers(arn, at=self.virtual_now())
        return message.message_id

    def to_topic(self, caller: Caller, arn: str, message: str, attributes: dict[str, Any], subject: Any) -> str:
        self.run.trace.append((self.virtual_now(), caller.function.path, self._label(arn), "Publish"))
        if arn not in self.stack.topics:
            self.run.external.setdefault(self._label(arn), []).append(_loads(message))
            return str(uuid.uuid4())
        return self._publish(
            arn, message, "Publish", caller.lineage, caller.untracked, attributes=attributes, subject=subject
        )

    def to_bus(self, caller: Caller, bus_arn: str, event: dict[str, Any]) -> str:
        event = {**event, "time": self._timestamp()[:19] + "Z"}
        self.run.trace.append((self.virtual_now(), caller.function.path, self._label(bus_arn), "PutEvents"))
        if not any(b.arn == bus_arn for b in self.stack.buses.values()):
            self.run.external.setdefault(self._label(bus_arn), []).append(event)
        else:
            self._put_event(bus_arn, event, "PutEvents", caller.lineage, caller.untracked, caller.function.path)
        return str(event["id"])

    def to_bucket(self, caller: Caller, bucket_arn: str, key: str, body: bytes) -> None:
        self.run.trace.append((self.virtual_now(), caller.function.path, self._label(bucket_arn), f"PutObject {key}"))
        if bucket_arn not in self.stack.buckets:
            self.run.external.setdefault(self._label(bucket_arn), []).append(
                {"key": key, "body": _loads(body.decode(errors="replace"))}
            )
            return
        self._write_object(bucket_arn, key, _loads(body.decode(errors="replace")), caller.lineage, caller.untracked)

    # --- execution environments and what handlers call ---------------------------------------------

    def _executor(self, function: Function, version: str) -> Executor:
        key = (function.path, version)
        executor = self._executors.get(key)
        if executor is None:
            data = self._archives.get(function.path)
            if data is None:
                data = archive.check(function)  # code outside the stack: says why it cannot run
            folder = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{function.path}-{version}")
            code_dir = archive.unpack(data, Path(self._workdir.name) / folder)
            executor = executor_for(
                function.runtime,
                code_dir,
                function.handler,
                name=function.path,
                aws=self._aws_call,
                endpoint=self._endpoint_url,
            )
            self._executors[key] = executor
        return executor

    def _endpoint_url(self) -> str:
        if self._endpoint is None:
            self._endpoint = Endpoint(self.services, lambda: self._caller, self._lock)
        return self._endpoint.url

    def _aws_call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """A Python handler's boto3 call (botocore's parameters), answered by the services."""
        if self._caller is None:
            raise AwsError("NotEmulated", "AWS calls reach the local engine only from a running handler", 501)
        response = self.services.call(self._caller, service, operation, params)
        if (service, operation) == ("lambda", "Invoke"):
            from botocore.response import StreamingBody

            raw = response.get("Payload", b"")
            response = {**response, "Payload": StreamingBody(io.BytesIO(raw), len(raw))}
        return response

    def say(self, line: str) -> None:
        print(f"[t+{self.virtual_now():9.3f}s] {line}", file=self.out)

    # --- helpers ---------------------------------------------------------------------------------

    def _runtime_environment(self, function: Function, version: str) -> dict[str, str]:
        region = self.stack.region
        return {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "_HANDLER": function.handler,
            # A client built outside boto3's default session would go to this unreachable endpoint, not AWS.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            **function.environment,
            **self.environment.get(function.path, {}),
        }

    def _executed_version(self, function: Function, qualifier: str | None) -> str:
        if qualifier is None or qualifier == LATEST:
            return LATEST
        if qualifier.isdigit():
            return qualifier
        alias = self.stack.aliases.get(f"{function.arn}:{qualifier}")
        return alias.version if alias is not None else LATEST

    def _bus_event(
        self, source: Function, qualifier: str | None, condition: str, record: dict[str, Any]
    ) -> dict[str, Any]:
        outcome = "Success" if condition == "Success" else "Failure"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": f"Lambda Function Invocation Result - {outcome}",
            "source": "lambda",
            "account": self.stack.account,
            "time": self._timestamp()[:19] + "Z",
            "region": self.stack.region,
            "resources": [f"{source.arn}:{qualifier or LATEST}"],
            "detail": record,
        }

    def _sns_notification(
        self, topic_arn: str, text: str, message_id: str, attributes: Mapping[str, Any], subject: Any
    ) -> dict[str, Any]:
        return {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": text,
            "Timestamp": self._timestamp(),
            "MessageAttributes": dict(attributes),
        }

    def _s3_event(self, bucket: str, bucket_arn: str, key: str, data: bytes) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": self.stack.region,
                    "eventTime": self._timestamp(),
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": f"AWS:{self.stack.account}"},
                    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                    "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "local",
                        "bucket": {
                            "name": bucket,
                            "ownerIdentity": {"principalId": self.stack.account},
                            "arn": bucket_arn,
                        },
                        "object": {
                            "key": quote_plus(key, safe="/"),
                            "size": len(data),
                            "eTag": hashlib.md5(data).hexdigest(),  # noqa: S324 - S3's ETag of a simple upload
                            "sequencer": f"{int(self.now * 1000):016X}",
                        },
                    },
                }
            ]
        }

    def _label(self, arn: str) -> str:
        path = self.stack.path_of(arn)
        if path is not None:
            return path
        is_function = arn.startswith("arn:") and ":lambda:" in arn
        function, qualifier = self.stack.function_at(arn) if is_function else (None, None)
        if function is not None:
            return f"{function.path}:{qualifier}" if qualifier else function.path
        return arn

    def _moment(self) -> datetime:
        return self._epoch + timedelta(seconds=self.virtual_now())

    def _timestamp(self) -> str:
        moment = self._moment()
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _counted(
    function: Function, lineage: Mapping[str, int], untracked: Mapping[str, int] | None
) -> tuple[dict[str, int], dict[str, int] | None]:
    """The chain's counts with this function's invocation added."""
    counted = {**lineage, function.path: lineage.get(function.path, 0) + 1}
    if untracked is None:
        return counted, None
    return counted, {**untracked, function.path: untracked.get(function.path, 0) + 1}


def _merged(untracked: Mapping[str, int] | None, lineage: Mapping[str, int]) -> dict[str, int]:
    base = dict(untracked or {})
    for name, count in lineage.items():
        base[name] = max(base.get(name, 0), count)
    return base


def _reported_failures(result: Any, batch: list[Message]) -> set[str]:
    """The messages a partial batch response names as failed ("Using Lambda with Amazon SQS").

    No ``batchItemFailures``, or an empty list: the whole batch succeeded. An item without a valid
    ``itemIdentifier`` of the batch: Lambda treats the whole batch as failed.
    """
    ids = {m.message_id for m in batch}
    items = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not items:
        return set()
    named = {item.get("itemIdentifier") for item in items if isinstance(item, dict)}
    if len(named) != len(items) or not named <= ids:
        return ids
    return {str(n) for n in named}


def _passes_filter(policy: Any, attributes: Mapping[str, Any]) -> bool:
    """An SNS filter policy (on message attributes) against a message's attributes."""
    values = {
        name: _loads(str(value.get("Value"))) if value.get("Type") == "Number" else value.get("Value")
        for name, value in attributes.items()
    }
    try:
        return isinstance(policy, dict) and matches(policy, values)
    except UnsupportedPattern:
        return False


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _loads(text: str) -> Any:
    return json.loads(text) if _is_json(text) else text


def summary(run: Run, started: float) -> str:
    """Lines summarizing a run: invocations, what reached each destination, what was dropped."""
    lines = [
        f"--- {len(run.invocations)} invocation(s), {run.virtual_seconds:.3f} s of virtual time, "
        f"{time.perf_counter() - started:.2f} s of real time"
    ]
    for name, values in (
        ("queue", run.queues),
        ("topic", run.topics),
        ("bus", run.buses),
        ("bucket", run.buckets),
        ("outside the stack", run.external),
    ):
        for label, items in values.items():
            lines.append(f"{name} {label}: {len(items)} message(s)")
    lines += [
        f"delivered: {d['source']} --{d['condition']}--> {d['destination']}" for d in run.deliveries if d["allowed"]
    ]
    lines += [f"throttled: {t['function']} at t+{t['time']} s: {t['reason']}" for t in run.throttles]
    lines += [f"dropped: {d['function']}: {d['reason']}" for d in run.dropped]
    lines += [f"problem: {p}" for p in run.problems]
    return "\n".join(lines)
