"""Run a synthesized stack locally the way Lambda's asynchronous invocation runs it.

Everything comes from the resolved model of ``cdk.tf.json`` (``local_runtime.model``) and the code
archives it points at, unpacked to a temporary folder: what runs is what would deploy. The engine
evaluates no expression while it runs; it reads records.

- **Attempts** (AWS: "Asynchronous invocation"): 1 + ``maximum_retry_attempts`` (2 when unset) per
  event of the invoke configuration of the invoked qualifier; retries 60 s and 120 s after a failed
  attempt, on a virtual clock that also advances by each handler's real duration (nothing sleeps);
  an event older than ``maximum_event_age_in_seconds`` (21600 when unset) when an attempt is due is
  discarded with the condition ``EventAgeExceeded``; after the last failed attempt,
  ``RetriesExhausted``. An init error (a module that cannot be imported, a missing handler) is a
  function error like any other: retried, recorded, delivered on failure.
- **Records** as Lambda shapes them (version, timestamp, requestContext, requestPayload,
  responseContext, responsePayload), delivered to the on-success or on-failure destination only if
  the source function's role allows what that delivery needs (``lambda:InvokeFunction``,
  ``sqs:SendMessage``, ``sns:Publish``, ``events:PutEvents``, ``s3:PutObject``/``s3:ListBucket``, and
  ``kms:GenerateDataKey``/``kms:Decrypt`` on a customer key); otherwise the record is dropped,
  reported as denied with the missing action and resource.
- **Destinations**: a function of the stack is invoked asynchronously (through its own
  configuration); a queue keeps the message; a topic delivers to its Lambda and SQS subscriptions
  (each checked against the function's permission or the queue's policy) or keeps the message; a bus
  gets the EventBridge event (source ``lambda``, detail-type ``Lambda Function Invocation Result -
  Success|Failure``, resources ``[<function ARN>:<qualifier>]``, detail = the record), which every
  enabled rule of that bus whose pattern matches sends to its targets, input transformed (a function
  target needs a Lambda permission for ``events.amazonaws.com`` from that rule); a bucket keeps the
  object; anything else, or an ARN outside the stack, is recorded as delivered there.
- **Handlers' own AWS calls** go to ``local_runtime.services`` (``lambda.Invoke``, DynamoDB), as the
  caller's role, never to AWS.
- **At-least-once delivery**: with ``duplicates=True`` every asynchronous event after the first (hops,
  destinations, rule targets) is delivered twice, as Lambda occasionally does, to show what the
  handlers make of it.
- **Recursion** (AWS: "Recursive loop detection"): a chain of invocations started by one event is
  stopped when a function would run a 17th time, unless ``aws_lambda_function_recursion_config``
  says ``Allow``; the stopped event goes to the on-failure destination with the condition
  ``RecursiveInvocationException`` (AWS documents no condition for it; this names the error Lambda
  raises for a stopped loop).
- **Execution environments**: one per function and version (``local_runtime.runtimes``), warm
  across invocations.
"""

from __future__ import annotations

import heapq
import io
import itertools
import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from local_runtime import iam
from local_runtime.errors import AwsError, EngineError
from local_runtime.event_patterns import InputError, UnsupportedPattern, matches, transform_input
from local_runtime.model.records import (
    DEFAULT_MAX_EVENT_AGE,
    DEFAULT_RETRIES,
    LATEST,
    Function,
    InvokeConfig,
    StackModel,
    Target,
)
from local_runtime.runtimes import Executor, Invocation, InvocationRequest, archive, executor_for
from local_runtime.services import AwsCalls, Caller
from local_runtime.services.endpoint import Endpoint

RETRY_DELAYS_S = (60, 120)
RECURSION_LIMIT = 16
STOPPED_LOOP = "RecursiveInvocationException"


@dataclass(order=True)
class _Event:
    """An asynchronous invocation waiting in the queue for its next attempt."""

    due: float
    sequence: int
    function: Function = field(compare=False)
    qualifier: str | None = field(compare=False)
    payload: Any = field(compare=False)
    request_id: str = field(compare=False)
    enqueued_at: float = field(compare=False)
    lineage: Mapping[str, int] = field(compare=False)  # invocations per function so far in this chain
    origin: str = field(compare=False, default="caller")  # who sent it, for the run's trace
    attempt: int = field(compare=False, default=1)
    last: Invocation | None = field(compare=False, default=None)


@dataclass
class Run:
    """What happened: the JSON the ``async`` command prints with ``--json``.

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
        self._epoch = datetime.now(UTC)
        self._queue: list[_Event] = []
        self._sequence = itertools.count()
        self._archives = {
            path: archive.check(function)
            for path, function in stack.functions.items()
            if function.code.filename is not None or function.code.problem is not None
        }
        self._workdir = tempfile.TemporaryDirectory(prefix="lambda-engine-")
        self._executors: dict[tuple[str, str], Executor] = {}
        self._caller: Caller | None = None
        self.services = AwsCalls(stack, self)
        # Handlers in processes of their own call AWS through a loopback endpoint (server threads): the
        # engine's state changes only under this lock, while their invocation waits for them.
        self._lock = threading.Lock()
        self._endpoint: Endpoint | None = None

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

    # --- entry point -----------------------------------------------------------------------------

    def invoke_async(self, function_path: str, payload: Any, qualifier: str | None = None) -> Run:
        """Invoke a function asynchronously (``InvocationType=Event``) and run until nothing is left."""
        self.enqueue(self.function(function_path), qualifier, payload, lineage={}, first=True)
        return self.drain()

    def invoke_sync(self, function_path: str, payload: Any, qualifier: str | None = None) -> Invocation:
        """Invoke a function synchronously (as API Gateway does): one attempt, no destinations.

        What the handler queues (its asynchronous invokes) waits for ``drain``.
        """
        function = self.function(function_path)
        self.services.tables.start()
        event = _Event(self.now, next(self._sequence), function, qualifier, payload, str(uuid.uuid4()), self.now, {})
        return self._invoke(event, {function.path: 1})

    def drain(self) -> Run:
        """Run every queued asynchronous event, and what they cause, until nothing is left."""
        self.services.tables.start()  # before any handler runs: its environment must not shape the client
        while self._queue:
            event = heapq.heappop(self._queue)
            self.now = max(self.now, event.due)
            self._attempt(event)
        self.run.virtual_seconds = round(self.now, 3)
        self.run.tables = self.services.tables.items() or self.run.tables
        return self.run

    def function(self, path: str) -> Function:
        function = self.stack.functions.get(path)
        if function is None:
            raise EngineError(
                f"no function {path!r} in stack {self.stack.name}; "
                f"its functions: {', '.join(sorted(self.stack.functions)) or 'none'}"
            )
        return function

    # --- Lambda's asynchronous invocation ----------------------------------------------------------

    def enqueue(
        self,
        function: Function,
        qualifier: str | None,
        payload: Any,
        lineage: Mapping[str, int],
        *,
        first: bool = False,
        origin: str | None = None,
    ) -> None:
        """Queue an asynchronous event; with ``duplicates``, every one after the first arrives twice."""
        request_id = str(uuid.uuid4())
        sender = origin or (self._caller.function.path if self._caller is not None else "caller")
        for _ in range(2 if self.duplicates and not first else 1):
            heapq.heappush(
                self._queue,
                _Event(
                    self.now,
                    next(self._sequence),
                    function,
                    qualifier,
                    json.loads(json.dumps(payload)),
                    request_id,
                    self.now,
                    lineage,
                    sender,
                ),
            )

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
            return self._conclude(event, config, "EventAgeExceeded", event.last, event.lineage, event.attempt - 1)
        if event.lineage.get(function.path, 0) >= RECURSION_LIMIT and function.recursive_loop != "Allow":
            self.say(
                f"{function.path}: recursive loop stopped: invoked {RECURSION_LIMIT} times in this chain "
                "and no aws_lambda_function_recursion_config allows more"
            )
            return self._conclude(event, config, STOPPED_LOOP, None, event.lineage, event.attempt - 1)
        lineage = {**event.lineage, function.path: event.lineage.get(function.path, 0) + 1}
        invocation = self._invoke(event, lineage)
        if invocation.error is None:
            return self._conclude(event, config, "Success", invocation, lineage, event.attempt)
        if event.attempt <= retries:
            delay = RETRY_DELAYS_S[min(event.attempt, len(RETRY_DELAYS_S)) - 1]
            self.say(f"{function.path}: attempt {event.attempt} failed ({invocation.error_type}); retry in {delay} s")
            event.due, event.sequence, event.attempt, event.last = (
                self.now + delay,
                next(self._sequence),
                event.attempt + 1,
                invocation,
            )
            event.origin = function.path
            heapq.heappush(self._queue, event)
            return None
        return self._conclude(event, config, "RetriesExhausted", invocation, lineage, event.attempt)

    def _invoke(self, event: _Event, lineage: Mapping[str, int]) -> Invocation:
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
            self._caller = Caller(function, lineage)
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
                self._caller = None
        self.now += invocation.duration_ms / 1000
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
    ) -> None:
        """The event is done: ``attempts`` ran, the last one's outcome is ``invocation`` (if any ran)."""
        function = event.function
        destination = (config.on_success if condition == "Success" else config.on_failure) if config else None
        if destination is None:
            if condition != "Success":
                self._drop(
                    function.path,
                    f"{condition} after {attempts} attempt(s) and no on-failure destination: Lambda discards the event",
                )
            return
        record = self._record(event, condition, invocation, attempts)
        self._deliver_record(function, event.qualifier, condition, destination, record, lineage)

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

    # --- deliveries ------------------------------------------------------------------------------

    def _deliver_record(
        self,
        source: Function,
        qualifier: str | None,
        condition: str,
        destination: Target,
        record: dict[str, Any],
        lineage: Mapping[str, int],
    ) -> None:
        missing = [r for r in destination.requirements if not iam.allows(source.role, r.action, r.resource)]
        payload = self._bus_event(source, qualifier, condition, record) if destination.kind == "eventbridge" else record
        reason = None
        if missing:
            role = source.role.path if source.role else "(none)"
            reason = "; ".join(f"role {role} does not allow {r.action} on {r.resource}" for r in missing)
        self._record_delivery(source.path, condition, destination, payload, reason)
        if missing:
            self._drop(source.path, f"{condition} record not delivered: {reason}")
            return
        self._arrive(destination, payload, condition, lineage, origin=source.path)

    def _arrive(self, target: Target, payload: Any, condition: str, lineage: Mapping[str, int], origin: str) -> None:
        """``payload`` reaches ``target``; what happens next depends on what it is."""
        label = self._label(target.arn)
        if target.function is not None:
            self.enqueue(self.stack.functions[target.function], target.qualifier, payload, lineage, origin=origin)
            return
        if target.kind == "sqs" and target.arn in self.stack.queues:
            self.run.queues.setdefault(label, []).append(payload)
            return
        if target.kind == "sns" and target.arn in self.stack.topics:
            self._publish(target.arn, payload, condition, lineage)
            return
        if target.kind == "eventbridge" and any(b.arn == target.arn for b in self.stack.buses.values()):
            self._put_event(target.arn, payload, condition, lineage, origin)
            return
        if target.kind == "s3" and target.arn in self.stack.buckets:
            context = payload.get("requestContext", {})
            key = (
                f"aws/lambda/async/{context.get('functionArn', '').split(':')[6]}/"
                f"{self._timestamp()[:10].replace('-', '/')}/{context.get('requestId')}"
            )
            self.run.buckets.setdefault(label, []).append({"key": key, "body": payload})
            return
        self.run.external.setdefault(label, []).append(payload)

    def _put_event(
        self, bus_arn: str, event: dict[str, Any], condition: str, lineage: Mapping[str, int], origin: str
    ) -> None:
        bus_label = self._label(bus_arn)
        self.run.buses.setdefault(bus_label, []).append(event)
        bus_name = bus_arn.rsplit("/", 1)[-1]
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
                    self._arrive(target, received, condition, lineage, origin=rule.path)
        if not matched:
            self._drop(origin, f"the event on {bus_label} matched no enabled rule")

    def _publish(self, topic_arn: str, message: Any, condition: str, lineage: Mapping[str, int]) -> None:
        subscriptions = [s for s in self.stack.subscriptions if s.topic_arn == topic_arn]
        if not subscriptions:
            self.run.topics.setdefault(self._label(topic_arn), []).append(message)
            return
        text = message if isinstance(message, str) else json.dumps(message)
        for subscription in subscriptions:
            endpoint = subscription.endpoint
            envelope = self._sns_notification(topic_arn, text)
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
                payload = message if subscription.raw_message_delivery else envelope
            else:
                payload = envelope
            reason = self._resource_policy_refusal(endpoint, "sns.amazonaws.com", topic_arn, self._label(topic_arn))
            self._record_delivery(subscription.ref.path, condition, endpoint, payload, reason)
            if reason:
                self._drop(
                    subscription.ref.path, f"subscription endpoint {self._label(endpoint.arn)} not reached: {reason}"
                )
            else:
                self._arrive(endpoint, payload, condition, lineage, origin=subscription.ref.path)

    def _resource_policy_refusal(self, target: Target, principal: str, source_arn: str, source: str) -> str | None:
        """Why a service may not deliver to ``target`` (its resource policy), or None if it may."""
        if target.kind == "lambda":
            if target.function is None or iam.lambda_permits(
                self.stack, target.function, target.qualifier, principal, source_arn
            ):
                return None
            return f"no lambda permission lets {principal} invoke {target.function} from {source}"
        record = self.stack.queues.get(target.arn) or self.stack.topics.get(target.arn)
        if target.kind in ("sqs", "sns") and record is not None:
            action = "sqs:SendMessage" if target.kind == "sqs" else "sns:Publish"
            context = {"aws:sourcearn": source_arn, "aws:sourceaccount": self.stack.account}
            if iam.resource_policy_allows(record.policy, principal, action, target.arn, context):
                return None
            return (
                f"the {target.kind} policy of {self._label(target.arn)} does not let {principal} {action} from {source}"
            )
        return None

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
        print(f"[t+{self.now:9.3f}s] {line}", file=self.out)

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

    def _sns_notification(self, topic_arn: str, text: str) -> dict[str, Any]:
        return {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": None,
            "Message": text,
            "Timestamp": self._timestamp(),
            "MessageAttributes": {},
        }

    def _label(self, arn: str) -> str:
        path = self.stack.path_of(arn)
        if path is not None:
            return path
        function, qualifier = (
            self.stack.function_at(arn) if arn.startswith("arn:") and ":lambda:" in arn else (None, None)
        )
        if function is not None:
            return f"{function.path}:{qualifier}" if qualifier else function.path
        return arn

    def _timestamp(self) -> str:
        moment = self._epoch + timedelta(seconds=self.now)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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
    lines += [f"dropped: {d['function']}: {d['reason']}" for d in run.dropped]
    lines += [f"problem: {p}" for p in run.problems]
    return "\n".join(lines)
