"""Lambda's asynchronous invocation of one event: its attempts, their age, retries and throttles, and
what the last outcome sends where (as LocalStack's ``event_manager.py``).

"How Lambda handles errors and retries with asynchronous invocation": 1 + ``maximum_retry_attempts``
attempts (2 retries when unset), 60 s and 120 s apart; an event older than
``maximum_event_age_in_seconds`` when an attempt is due is discarded (``EventAgeExceeded``); after the
last failed attempt, ``RetriesExhausted``. Reserved concurrency N lets N executions overlap: an event
that finds them all running is throttled and tried again after 1, 2, 4 ... up to 300 s, without
counting against its retries; 0 sends the event on without running it. "Capturing records of Lambda
asynchronous invocations": the record, shaped as Lambda shapes it, goes to the on-success or
on-failure destination if the function's role allows what the delivery needs and it fits the
destination; after the final failure the original event also goes to the dead-letter queue or topic
(``dead_letter_config``) with the ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from local_runtime import iam
from local_runtime.chain import Chain
from local_runtime.engine.arrivals import Arrivals, AsyncEvent
from local_runtime.engine.clock import Clock
from local_runtime.engine.delivery import Delivery
from local_runtime.engine.environments import Environments
from local_runtime.engine.leases import Leases
from local_runtime.engine.loops import STOPPED_LOOP, stopper
from local_runtime.engine.report import Recorder
from local_runtime.limits import (
    DEAD_LETTER_MESSAGE_BYTES,
    DEFAULT_MAX_EVENT_AGE_S,
    DEFAULT_RETRIES,
    DESTINATION_MAX_BYTES,
    MAX_ASYNC_PAYLOAD_BYTES,
    RETRY_DELAYS_S,
    THROTTLE_FIRST_S,
    THROTTLE_MAX_S,
)
from local_runtime.model.records import LATEST, Function, InvokeConfig, StackModel, Target
from local_runtime.runtimes.base import Invocation
from local_runtime.services.calls import AwsCalls

RATE_EXCEEDED = (429, "Rate Exceeded.")
LOOP_STOPPED = (400, "Lambda stopped a recursive loop: the function was invoked 16 times in this chain of requests")


class EventManager:
    def __init__(
        self,
        stack: StackModel,
        clock: Clock,
        arrivals: Arrivals,
        environments: Environments,
        leases: Leases,
        delivery: Delivery,
        calls: AwsCalls,
        recorder: Recorder,
    ) -> None:
        self.stack, self.clock, self.arrivals, self.environments = stack, clock, arrivals, environments
        self.leases, self.delivery, self.calls, self.recorder = leases, delivery, calls, recorder

    def attempt(self, event: AsyncEvent) -> None:
        function, now = event.function, self.clock.now
        config = self.stack.invoke_config(function.path, event.qualifier)
        retries = config.max_retries if config else DEFAULT_RETRIES
        max_age = config.max_event_age if config else DEFAULT_MAX_EVENT_AGE_S
        if now - event.enqueued_at > max_age:
            self.recorder.say(
                f"{function.path}: event {event.request_id} is {now - event.enqueued_at:.0f} s old, over {max_age} s"
            )
            error = RATE_EXCEEDED if event.last is None and event.throttles else None
            return self.conclude(event, config, "EventAgeExceeded", event.last, event.chain, event.attempt - 1, error)
        stop = stopper(function, event.chain, event.request_id, self.recorder)
        if stop == "lambda":
            if event.chain.stopped:
                # The record of a stopped event came back to the loop it was stopped in (its on-failure
                # destination feeds the function): AWS documents nothing; the engine sends it nowhere.
                self.recorder.drop(
                    function.path, f"{STOPPED_LOOP}: event {event.request_id} was stopped again; not sent on"
                )
                return None
            stopped = event.chain.stop()
            return self.conclude(event, config, STOPPED_LOOP, None, stopped, event.attempt - 1, LOOP_STOPPED)
        if stop == "engine":
            return None
        limit = function.reserved_concurrency
        if limit == 0:
            self.recorder.throttle(
                function.path, now, "reserved concurrency 0: Lambda sends the event on without running it"
            )
            return self.conclude(event, config, "ZeroReservedConcurrency", None, event.chain, 0, RATE_EXCEEDED)
        if limit is not None and self.leases.full(function.path, now, [limit]):
            delay = min(THROTTLE_MAX_S, THROTTLE_FIRST_S * 2**event.throttles)
            event.throttles += 1
            self.recorder.throttle(
                function.path, now, f"{limit} of {limit} reserved executions running; tried again in {delay} s"
            )
            self.arrivals.retry(event, now + delay)
            return None
        chain = event.chain.counted(function.path)
        invocation = self.environments.invoke(
            function,
            event.qualifier,
            event.payload,
            event.request_id,
            chain,
            attempt=event.attempt,
            origin=event.origin,
        )
        self.delivery.apply(self.calls.take())
        if invocation.error is None:
            return self.conclude(event, config, "Success", invocation, chain, event.attempt)
        if event.attempt <= retries:
            delay = RETRY_DELAYS_S[min(event.attempt, len(RETRY_DELAYS_S)) - 1]
            if self.clock.now + delay - event.enqueued_at > max_age:
                # AWS's recordings: with a maximum age of 60 s the first retry (due after 60 s) never
                # runs, the record counts 1 attempt; with 90 s, 2 (dest_sqs_event_age_exceeded)
                self.recorder.say(
                    f"{function.path}: attempt {event.attempt} failed ({invocation.error_type}); the retry "
                    f"due in {delay} s would find the event over {max_age} s old"
                )
                return self.conclude(event, config, "EventAgeExceeded", invocation, chain, event.attempt)
            self.recorder.say(
                f"{function.path}: attempt {event.attempt} failed ({invocation.error_type}); retry in {delay} s"
            )
            event.attempt, event.last, event.origin = event.attempt + 1, invocation, function.path
            self.arrivals.retry(event, self.clock.now + delay)
            return None
        return self.conclude(event, config, "RetriesExhausted", invocation, chain, event.attempt)

    def conclude(
        self,
        event: AsyncEvent,
        config: InvokeConfig | None,
        condition: str,
        invocation: Invocation | None,
        chain: Chain,
        attempts: int,
        error: tuple[int, str] | None = None,
    ) -> None:
        """The event is done: ``attempts`` ran, the last one's outcome is ``invocation`` (if any ran)."""
        function = event.function
        failed = condition != "Success"
        if failed and function.dead_letter is not None:
            last = invocation or event.last
            code, message = error or (200, str((last.error or {}).get("errorMessage", "")) if last else "")
            self.dead_letter(event, code, message, chain)
        destination = (config.on_success if condition == "Success" else config.on_failure) if config else None
        if destination is None:
            if failed and function.dead_letter is None:
                self.recorder.drop(
                    function.path,
                    f"{condition} after {attempts} attempt(s) and no on-failure destination: Lambda discards the event",
                )
            return
        record = self.record(event, condition, invocation, attempts)
        self.send_record(function, event.qualifier, condition, destination, record, chain)

    def record(self, event: AsyncEvent, condition: str, invocation: Invocation | None, attempts: int) -> dict[str, Any]:
        """The invocation record Lambda sends to a destination."""
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": self.clock.timestamp(self.clock.now),
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
                "executedVersion": self.environments.executed_version(event.function, event.qualifier),
            }
            if invocation.error is not None:
                response["functionError"] = "Unhandled"
            record["responseContext"] = response
            record["responsePayload"] = invocation.error if invocation.error is not None else invocation.result
        return record

    def bus_event(
        self, source: Function, qualifier: str | None, condition: str, bus: str, record: dict[str, Any]
    ) -> dict[str, Any]:
        """The event Lambda puts on a bus destination, the record as its detail; its ``resources`` the bus
        and the function version (AWS's recording: dest_eventbridge_success)."""
        outcome = "Success" if condition == "Success" else "Failure"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": f"Lambda Function Invocation Result - {outcome}",
            "source": "lambda",
            "account": self.stack.account,
            "time": self.clock.seconds_timestamp(self.clock.now),
            "region": self.stack.region,
            "resources": [bus, f"{source.arn}:{qualifier or LATEST}"],
            "detail": record,
        }

    def send_record(
        self,
        source: Function,
        qualifier: str | None,
        condition: str,
        destination: Target,
        record: dict[str, Any],
        chain: Chain,
    ) -> None:
        now = self.clock.now
        payload = (
            self.bus_event(source, qualifier, condition, destination.arn, record)
            if destination.kind == "eventbridge"
            else record
        )
        reason = iam.refusal(source.role, destination.requirements)
        limit = DESTINATION_MAX_BYTES.get(destination.kind)
        size = len(json.dumps(payload).encode())
        if reason is None and limit is not None and size > limit:
            reason = (
                f"DestinationDeliveryFailures: the record is {size} bytes, "
                f"over the {limit}-byte limit of {destination.kind}"
            )
        self.recorder.delivery(now, source.path, condition, destination, payload, reason)
        if reason:
            self.recorder.drop(source.path, f"{condition} record not delivered: {reason}", now)
            return
        self.delivery.deliver(destination, payload, chain, source=source.path, condition=condition, at=now)

    def dead_letter(self, event: AsyncEvent, code: int, message: str, chain: Chain) -> None:
        """The original event to the function's dead-letter queue or topic, with Lambda's three attributes."""
        function, now = event.function, self.clock.now
        target = function.dead_letter
        assert target is not None
        body = json.dumps(event.payload)
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": str(code)},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": message.encode()[:DEAD_LETTER_MESSAGE_BYTES].decode(errors="ignore"),
            },
        }
        reason = iam.refusal(function.role, target.requirements)
        limit = DESTINATION_MAX_BYTES.get(target.kind, MAX_ASYNC_PAYLOAD_BYTES)
        if reason is None and len(body.encode()) + len(json.dumps(attributes)) > limit:
            reason = f"the event is over the {limit}-byte limit of {target.kind}"
        self.recorder.delivery(now, function.path, "DeadLetter", target, event.payload, reason)
        if reason:
            self.recorder.drop(
                function.path, f"DeadLetterErrors: the event was not sent to the dead-letter queue: {reason}", now
            )
            return
        if target.kind == "sqs" and target.arn in self.stack.queues:
            self.delivery.send_to_queue(target.arn, body, chain, now, attributes=attributes)
        elif target.kind == "sns" and target.arn in self.stack.topics:
            self.delivery.publish(target.arn, body, chain, condition="DeadLetter", at=now, attributes=attributes)
        else:
            self.recorder.external(self.stack.label(target.arn), {"body": body, "messageAttributes": attributes})
