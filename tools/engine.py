"""Run a synthesized stack locally the way Lambda's asynchronous invocation runs it.

Everything comes from ``cdktf.out/stacks/<stack>/cdk.tf.json`` (through ``tools.wiring``) and the
code archives it points at, unpacked to a temporary folder: what runs is what would deploy.

- **Attempts**: 1 + ``maximum_retry_attempts`` (2 when unset) per event of the invoke configuration
  of the invoked qualifier; retries 60 s and 120 s after a failed attempt, on a virtual clock that
  also advances by each handler's real duration (nothing sleeps); an event older than
  ``maximum_event_age_in_seconds`` (21600 when unset) when an attempt is due is discarded with the
  condition ``EventAgeExceeded``; after the last failed attempt, ``RetriesExhausted``.
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
- **Handlers' own AWS calls** go to the engine, never to AWS: ``lambda.Invoke`` (``Event`` or
  ``DryRun``) of a function of the stack, allowed only if the caller's role allows
  ``lambda:InvokeFunction`` on it (``AccessDeniedException`` otherwise); DynamoDB calls on the
  stack's tables, allowed only if the role allows ``dynamodb:<Operation>`` on the table, served by
  moto in-process (tables created from the JSON; their items are in the run's ``tables``); any other
  call fails.
- **At-least-once delivery**: with ``duplicates=True`` every asynchronous event after the first (hops,
  destinations, rule targets) is delivered twice, as Lambda occasionally does, to show what the
  handlers make of it.
- **Recursion**: like Lambda's loop detection, a chain of invocations started by one event is stopped
  when a function would run a 17th time, unless ``aws_lambda_function_recursion_config`` says
  ``Allow``; the stopped event goes to the on-failure destination with the condition
  ``RecursiveInvocationException`` (AWS documents no condition for it; this names the error Lambda
  raises for a stopped loop).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import io
import itertools
import json
import re
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from tools.event_patterns import InputError, UnsupportedPattern, matches, transform_input
from tools.lambda_local import (
    AwsError,
    Invocation,
    LambdaContext,
    intercept_aws,
    invoke_handler,
    load_handler,
    read_payload,
    streaming_body,
)
from tools.wiring import DEFAULT_MAX_EVENT_AGE, DEFAULT_RETRIES, LATEST, Function, InvokeConfig, Stack

RETRY_DELAYS_S = (60, 120)
RECURSION_LIMIT = 16
STOPPED_LOOP = "RecursiveInvocationException"
MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024
KINDS = {"lambda": "lambda", "sqs": "sqs", "sns": "sns", "events": "eventbridge", "s3": "s3"}


class EngineError(RuntimeError):
    """The stack cannot be run locally; the message says why and what to do."""


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
    attempt: int = field(compare=False, default=1)
    last: Invocation | None = field(compare=False, default=None)


@dataclass
class Run:
    """What happened: the JSON the ``async`` command prints with ``--json``."""

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

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class Engine:
    """Runs asynchronous invocations of one synthesized stack. Use as a context manager."""

    def __init__(
        self,
        stack: Stack,
        *,
        out: TextIO | None = None,
        environment: Mapping[str, Mapping[str, str]] | None = None,
        timeouts: Mapping[str, int] | None = None,
        max_invocations: int = 10_000,
        duplicates: bool = False,
    ) -> None:
        """``environment`` and ``timeouts`` override, per function construct path, what the JSON says."""
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
        self._workdir = tempfile.TemporaryDirectory(prefix="lambda-engine-")
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._modules: list[str] = []
        self._caller: tuple[Function, Mapping[str, int]] | None = None
        self._moto: Any = None
        self._dynamodb: Any = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        for name in self._modules:
            sys.modules.pop(name, None)
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self._workdir.cleanup()

    # --- entry point -----------------------------------------------------------------------------

    def invoke_async(self, function_path: str, payload: Any, qualifier: str | None = None) -> Run:
        """Invoke a function asynchronously (``InvocationType=Event``) and run until nothing is left."""
        self._enqueue(self._function(function_path), qualifier, payload, lineage={}, first=True)
        return self.drain()

    def invoke_sync(self, function_path: str, payload: Any, qualifier: str | None = None) -> Invocation:
        """Invoke a function synchronously (as API Gateway does): one attempt, no destinations.

        What the handler queues (its asynchronous invokes) waits for ``drain``.
        """
        function = self._function(function_path)
        self._prepare()
        event = _Event(self.now, next(self._sequence), function, qualifier, payload, str(uuid.uuid4()), self.now, {})
        with intercept_aws(self._aws_call, region=self.stack.region):
            return self._invoke(event, {function.path: 1})

    def drain(self) -> Run:
        """Run every queued asynchronous event, and what they cause, until nothing is left."""
        self._prepare()
        with intercept_aws(self._aws_call, region=self.stack.region):
            while self._queue:
                event = heapq.heappop(self._queue)
                self.now = max(self.now, event.due)
                self._attempt(event)
        self.run.virtual_seconds = round(self.now, 3)
        if self._dynamodb is not None:
            self.run.tables = self._table_items()
        return self.run

    def _function(self, path: str) -> Function:
        function = self.stack.functions.get(path)
        if function is None:
            raise EngineError(
                f"no function {path!r} in stack {self.stack.name}; "
                f"its functions: {', '.join(sorted(self.stack.functions)) or 'none'}"
            )
        return function

    def _prepare(self) -> None:
        if self.stack.resources("aws_dynamodb_table"):
            self._dynamodb_client()  # before any handler runs: its environment must not shape the emulator's client

    # --- Lambda's asynchronous invocation ----------------------------------------------------------

    def _enqueue(
        self,
        function: Function,
        qualifier: str | None,
        payload: Any,
        lineage: Mapping[str, int],
        *,
        first: bool = False,
    ) -> None:
        """Queue an asynchronous event; with ``duplicates``, every one after the first arrives twice."""
        request_id = str(uuid.uuid4())
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
                ),
            )

    def _attempt(self, event: _Event) -> None:
        function = event.function
        config = self.stack.invoke_config(function, event.qualifier)
        retries = config.max_retries if config else DEFAULT_RETRIES
        max_age = config.max_event_age if config else DEFAULT_MAX_EVENT_AGE
        if self.now - event.enqueued_at > max_age:
            self._say(
                f"{function.path}: event {event.request_id} is {self.now - event.enqueued_at:.0f} s old, "
                f"over {max_age} s"
            )
            return self._conclude(event, config, "EventAgeExceeded", event.last, event.lineage, event.attempt - 1)
        if (
            event.lineage.get(function.path, 0) >= RECURSION_LIMIT
            and self.stack.recursion.get(function.path) != "Allow"
        ):
            self._say(
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
            self._say(f"{function.path}: attempt {event.attempt} failed ({invocation.error_type}); retry in {delay} s")
            event.due, event.sequence, event.attempt, event.last = (
                self.now + delay,
                next(self._sequence),
                event.attempt + 1,
                invocation,
            )
            heapq.heappush(self._queue, event)
            return None
        return self._conclude(event, config, "RetriesExhausted", invocation, lineage, event.attempt)

    def _invoke(self, event: _Event, lineage: Mapping[str, int]) -> Invocation:
        if len(self.run.invocations) >= self.max_invocations:
            raise EngineError(f"stopped after {self.max_invocations} invocations: the run does not end")
        function = event.function
        handler = self._handler(function)
        version = self._executed_version(function, event.qualifier)
        timeout = self.timeouts.get(function.path, function.timeout)
        invoked_arn = f"{function.arn}:{event.qualifier}" if event.qualifier else function.arn
        context = LambdaContext(
            function_name=function.name,
            memory_limit_in_mb=function.memory_size,
            timeout_ms=timeout * 1000,
            aws_request_id=event.request_id,
            function_version=version,
            invoked_function_arn=invoked_arn,
        )
        self._say(f"{function.path} ({function.name}) attempt {event.attempt}")
        self._caller = (function, lineage)
        try:
            invocation = invoke_handler(
                handler,
                event.payload,
                context,
                out=self.out,
                environment=self._runtime_environment(function, version),
                version=version,
            )
        finally:
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
        destination: str,
        record: dict[str, Any],
        lineage: Mapping[str, int],
    ) -> None:
        arn = str(self.stack.value(destination))
        kind = _kind(arn)
        missing = [
            r for r in self.stack.delivery_requirements(arn) if not self.stack.allows(source.role, r.action, r.resource)
        ]
        payload = self._bus_event(source, qualifier, condition, record) if kind == "eventbridge" else record
        reason = None
        if missing:
            role = source.role.path if source.role else "(none)"
            reason = "; ".join(f"role {role} does not allow {r.action} on {r.resource}" for r in missing)
        self._record_delivery(source.path, condition, kind, arn, payload, reason)
        if missing:
            self._drop(source.path, f"{condition} record not delivered: {reason}")
            return
        self._arrive(kind, arn, payload, condition, lineage, origin=source.path)

    def _arrive(
        self, kind: str, arn: str, payload: Any, condition: str, lineage: Mapping[str, int], origin: str
    ) -> None:
        """``payload`` reaches ``arn``; what happens next depends on what the ARN is."""
        label = self._label(arn)
        if kind == "lambda":
            function, qualifier = self.stack.function_at(arn)
            if function is not None:
                self._enqueue(function, qualifier, payload, lineage)
                return
        elif kind == "sqs" and self.stack.resource_with_arn(arn) is not None:
            self.run.queues.setdefault(label, []).append(payload)
            return
        elif kind == "sns" and self.stack.resource_with_arn(arn) is not None:
            self._publish(arn, payload, condition, lineage)
            return
        elif (
            kind == "eventbridge"
            and self.stack.resource_with_arn(arn) is not None
            or arn.endswith(":event-bus/default")
        ):
            self._put_event(arn, payload, condition, lineage, origin)
            return
        elif kind == "s3" and self.stack.resource_with_arn(arn) is not None:
            key = (
                f"aws/lambda/async/{payload.get('requestContext', {}).get('functionArn', '').split(':')[6]}/"
                f"{self._timestamp()[:10].replace('-', '/')}/{payload.get('requestContext', {}).get('requestId')}"
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
                if not matches(self.stack.value(rule.pattern), event):
                    continue
            except UnsupportedPattern as error:
                self.run.problems.append(f"rule {rule.path} uses {error}: treated as not matching")
                continue
            matched = True
            for target in rule.targets:
                target_arn = str(self.stack.value(target.arn))
                kind = _kind(target_arn)
                try:
                    received = transform_input(
                        event,
                        input=target.input,
                        input_path=target.input_path,
                        input_transformer=target.input_transformer,
                        rule_name=rule.name,
                        rule_arn=rule.arn,
                    )
                except InputError as error:
                    self._record_delivery(rule.path, condition, kind, target_arn, None, str(error))
                    self._drop(rule.path, f"target {self._label(target_arn)} not invoked: {error}")
                    continue
                reason = self._resource_policy_refusal(kind, target_arn, "events.amazonaws.com", rule.arn, rule.path)
                self._record_delivery(rule.path, condition, kind, target_arn, received, reason)
                if reason:
                    self._drop(rule.path, f"target {self._label(target_arn)} not invoked: {reason}")
                else:
                    self._arrive(kind, target_arn, received, condition, lineage, origin=rule.path)
        if not matched:
            self._drop(origin, f"the event on {bus_label} matched no enabled rule")

    def _publish(self, topic_arn: str, message: Any, condition: str, lineage: Mapping[str, int]) -> None:
        subscriptions = [s for s in self.stack.subscriptions if self.stack.value(s.topic) == topic_arn]
        if not subscriptions:
            self.run.topics.setdefault(self._label(topic_arn), []).append(message)
            return
        text = message if isinstance(message, str) else json.dumps(message)
        for subscription in subscriptions:
            endpoint = str(self.stack.value(subscription.endpoint))
            kind = _kind(endpoint) if subscription.protocol in ("lambda", "sqs") else subscription.protocol
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
            reason = self._resource_policy_refusal(
                kind, endpoint, "sns.amazonaws.com", topic_arn, self._label(topic_arn)
            )
            self._record_delivery(subscription.resource.path, condition, kind, endpoint, payload, reason)
            if reason:
                self._drop(
                    subscription.resource.path, f"subscription endpoint {self._label(endpoint)} not reached: {reason}"
                )
            else:
                self._arrive(kind, endpoint, payload, condition, lineage, origin=subscription.resource.path)

    def _resource_policy_refusal(self, kind: str, arn: str, principal: str, source_arn: str, source: str) -> str | None:
        """Why a service may not deliver to ``arn`` (its resource policy), or None if it may."""
        if kind == "lambda":
            function, qualifier = self.stack.function_at(arn)
            if function is None or self.stack.permits(function, qualifier, principal, source_arn):
                return None
            return f"no lambda permission lets {principal} invoke {function.path} from {source}"
        if kind in ("sqs", "sns") and self.stack.resource_with_arn(arn) is not None:
            action = "sqs:SendMessage" if kind == "sqs" else "sns:Publish"
            if self.stack.resource_policy_allows(arn, principal, action, source_arn):
                return None
            return f"the {kind} policy of {self._label(arn)} does not let {principal} {action} from {source}"
        return None

    def _record_delivery(
        self, source: str, condition: str, kind: str, arn: str, payload: Any, reason: str | None
    ) -> None:
        self.run.deliveries.append(
            {
                "source": source,
                "condition": condition,
                "destination_kind": kind,
                "destination": self._label(arn),
                "allowed": reason is None,
                "payload": payload,
                "reason": reason,
            }
        )
        verdict = "delivered" if reason is None else f"DENIED: {reason}"
        self._say(f"{source} --{condition}--> {kind} {self._label(arn)}: {verdict}")

    def _drop(self, function: str, reason: str) -> None:
        self.run.dropped.append({"function": function, "reason": reason})
        self._say(f"dropped ({function}): {reason}")

    # --- what handlers call ------------------------------------------------------------------------

    def _aws_call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self._caller is None:
            raise AwsError("NotEmulated", "AWS calls reach the local engine only from a running handler", 501)
        caller, lineage = self._caller
        if service == "dynamodb":
            return self._dynamodb_call(caller, operation, params)
        if (service, operation) != ("lambda", "Invoke"):
            raise AwsError(
                "NotEmulated",
                f"the local engine does not emulate {service}.{operation}: "
                "only lambda.Invoke and DynamoDB reach it, and nothing reaches AWS",
                501,
            )
        function, qualifier = self.stack.function_at(str(params.get("FunctionName", "")))
        qualifier = params.get("Qualifier") or qualifier
        if function is None:
            raise AwsError("ResourceNotFoundException", f"Function not found: {params.get('FunctionName')}", 404)
        target = f"{function.arn}:{qualifier}" if qualifier else function.arn
        if not self.stack.allows(caller.role, "lambda:InvokeFunction", target):
            role = caller.role.name if caller.role else "(no role)"
            raise AwsError(
                "AccessDeniedException",
                f"User: arn:aws:sts::{self.stack.account}:assumed-role/{role}/{caller.name} is not authorized "
                f"to perform: lambda:InvokeFunction on resource: {target} because no identity-based policy "
                "allows the lambda:InvokeFunction action",
                403,
            )
        invocation_type = params.get("InvocationType", "RequestResponse")
        if invocation_type == "DryRun":
            return {"StatusCode": 204, "Payload": streaming_body(None)}
        if invocation_type != "Event":
            raise AwsError(
                "InvalidParameterValueException",
                "the local engine runs InvocationType='Event' (and DryRun); a synchronous "
                "RequestResponse call between functions is not emulated",
                400,
            )
        raw = params.get("Payload", b"")
        size = len(raw.encode() if isinstance(raw, str) else raw) if isinstance(raw, (str, bytes, bytearray)) else 0
        if size > MAX_ASYNC_PAYLOAD_BYTES:
            raise AwsError(
                "RequestEntityTooLargeException",
                f"Request must be smaller than {MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation",
                413,
            )
        self._enqueue(function, qualifier, read_payload(raw), lineage)
        self._say(f"{caller.path} invoked {function.path} asynchronously (allowed: lambda:InvokeFunction on {target})")
        return {"StatusCode": 202, "Payload": streaming_body(None)}

    def _dynamodb_call(self, caller: Function, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        table_name = params.get("TableName")
        table = next(
            (t for t in self.stack.resources("aws_dynamodb_table") if self.stack.attribute(t, "name") == table_name),
            None,
        )
        if table is None:
            raise AwsError(
                "ResourceNotFoundException", f"Requested resource not found: Table: {table_name} not found", 400
            )
        arn, action = self.stack.attribute(table, "arn"), f"dynamodb:{operation}"
        if not self.stack.allows(caller.role, action, arn):
            role = caller.role.name if caller.role else "(no role)"
            raise AwsError(
                "AccessDeniedException",
                f"User: arn:aws:sts::{self.stack.account}:assumed-role/{role}/{caller.name} is not authorized "
                f"to perform: {action} on resource: {arn} because no identity-based policy allows the {action} action",
                400,
            )
        from botocore import xform_name
        from botocore.exceptions import ClientError

        try:
            response = getattr(self._dynamodb_client(), xform_name(operation))(**params)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise AwsError(
                details.get("Code", "ClientError"),
                details.get("Message", str(error)),
                error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400),
            ) from None
        response.pop("ResponseMetadata", None)
        return response

    def _dynamodb_client(self) -> Any:
        """A client of moto's in-process DynamoDB, with the stack's tables created on first use."""
        if self._dynamodb is None:
            import boto3
            from moto import mock_aws

            # mock_credentials: moto would otherwise put its fake keys into os.environ while it runs, and
            # a client in this process (tools.jobs against tools.local_api) would sign with them.
            self._moto = mock_aws(config={"core": {"mock_credentials": False}})
            self._moto.start()
            region = self.stack.region
            session = boto3.session.Session(
                aws_access_key_id="local", aws_secret_access_key="local", region_name=region
            )
            # Explicit endpoint: moto answers AWS's own, whatever AWS_ENDPOINT_URL the environment holds.
            self._dynamodb = session.client("dynamodb", endpoint_url=f"https://dynamodb.{region}.amazonaws.com")
            for table in self.stack.resources("aws_dynamodb_table"):
                keys = [(table.get("hash_key"), "HASH")] + (
                    [(table.get("range_key"), "RANGE")] if table.get("range_key") else []
                )
                self._dynamodb.create_table(
                    TableName=self.stack.attribute(table, "name"),
                    BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
                    AttributeDefinitions=[
                        {"AttributeName": a["name"], "AttributeType": a["type"]} for a in table.get("attribute", [])
                    ],
                )
        return self._dynamodb

    def _table_items(self) -> dict[str, list[Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        plain = TypeDeserializer().deserialize
        tables = {}
        for table in self.stack.resources("aws_dynamodb_table"):
            items = self._dynamodb.scan(TableName=self.stack.attribute(table, "name"))["Items"]
            tables[table.path] = [{k: _number(plain(v)) for k, v in item.items()} for item in items]
        return tables

    # --- helpers ---------------------------------------------------------------------------------

    def _handler(self, function: Function) -> Callable[[Any, Any], Any]:
        if function.path in self._handlers:
            return self._handlers[function.path]
        if not function.runtime.startswith("python"):
            raise EngineError(
                f"function {function.path} runs {function.runtime or 'no runtime'}: the engine runs Python handlers"
            )
        if not function.filename:
            raise EngineError(
                f"function {function.path} has no filename in {self.stack.source}: the engine runs zip archives"
            )
        assert self.stack.directory is not None
        archive = self.stack.directory / function.filename
        if not archive.is_file():
            raise EngineError(f"{archive} does not exist: synthesize the stack again (make synth)")
        data = archive.read_bytes()
        code_hash = function.source_code_hash
        if (
            code_hash
            and not code_hash.startswith("${")
            and base64.b64encode(hashlib.sha256(data).digest()).decode() != code_hash
        ):
            raise EngineError(
                f"{archive} does not match the source_code_hash of {function.path}: synthesize again (make synth)"
            )
        code_dir = Path(self._workdir.name) / re.sub(r"[^A-Za-z0-9_.-]", "_", function.path)
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            zipped.extractall(code_dir)
        module_name = f"lambda_engine_{uuid.uuid4().hex}"
        self._modules.append(module_name)
        self._handlers[function.path] = load_handler(code_dir, function.handler, module_name)
        return self._handlers[function.path]

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
        if alias is not None:
            version = self.stack.value(alias[2].get("function_version", LATEST))
            return str(version)
        return LATEST

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
        resource = self.stack.resource_with_arn(arn)
        if resource is not None:
            return resource.path
        function, qualifier = self.stack.function_at(arn) if _kind(arn) == "lambda" else (None, None)
        if function is not None:
            return f"{function.path}:{qualifier}" if qualifier else function.path
        return arn

    def _timestamp(self) -> str:
        moment = self._epoch + timedelta(seconds=self.now)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def _say(self, line: str) -> None:
        print(f"[t+{self.now:9.3f}s] {line}", file=self.out)


def _number(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: as int or float they print as JSON."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _kind(arn: str) -> str:
    parts = arn.split(":")
    return KINDS.get(parts[2], parts[2]) if len(parts) > 5 and parts[0] == "arn" else "unknown"


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
