"""Where a payload goes once it is sent: ``deliver(target, payload, chain)``, and the calls' effects.

A function of the stack gets an asynchronous event; a queue of the stack keeps the message and its
pollers wake; a topic fans out (``services.sns``), a bus routes to its rules' targets
(``services.events``), a bucket keeps the object and notifies (``services.s3``); anything else, or
a resource outside the stack, is recorded as delivered there. Each service decides; this module
only carries its decisions out, records them, and goes on with what they lead to.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from local_runtime import arns
from local_runtime.chain import Chain
from local_runtime.engine.arrivals import Arrivals
from local_runtime.engine.clock import Clock
from local_runtime.engine.report import Recorder
from local_runtime.model.records import StackModel, Target
from local_runtime.services import events, s3, sns
from local_runtime.services.calls import AwsCalls
from local_runtime.services.effects import BucketObject, BusEvent, Effect, Invoke, QueueMessage, TopicMessage


class Delivery:
    def __init__(
        self, stack: StackModel, clock: Clock, arrivals: Arrivals, calls: AwsCalls, recorder: Recorder
    ) -> None:
        self.stack, self.clock, self.arrivals, self.recorder = stack, clock, arrivals, recorder
        self.queues, self.buckets = calls.queues, calls.buckets

    def deliver(self, target: Target, payload: Any, chain: Chain, *, source: str, condition: str, at: float) -> None:
        """``payload`` reaches ``target`` at ``at``; what happens next depends on what the target is."""
        if target.function is not None:
            function = self.stack.functions[target.function]
            self.arrivals.event(function, target.qualifier, payload, chain, at, source)
        elif target.kind == "sqs" and target.arn in self.stack.queues:
            self.send_to_queue(target.arn, payload if isinstance(payload, str) else json.dumps(payload), chain, at)
        elif target.kind == "sns" and target.arn in self.stack.topics:
            self.publish(target.arn, payload, chain, condition=condition, at=at)
        elif target.kind == "eventbridge" and events.is_bus_of(self.stack, target.arn):
            self.put_event(target.arn, payload, chain, condition=condition, origin=source, at=at)
        elif target.kind == "s3" and target.arn in self.stack.buckets:
            # Lambda's S3 destination names the object after the function and the time.
            context = payload.get("requestContext", {}) if isinstance(payload, dict) else {}
            name = arns.function_name(str(context.get("functionArn", ""))) or "unknown"
            moment = self.clock.moment(at)
            key = f"aws/lambda/async/{name}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
            data = json.dumps(payload).encode()
            self.buckets.put(target.arn, key, data, "application/json")
            self.announce_object(target.arn, key, payload, data, chain, at)
        else:
            self.recorder.external(self.stack.label(target.arn), payload)

    # --- what the services do with what reached them --------------------------------------------------

    def send_to_queue(
        self,
        queue_arn: str,
        body: str,
        chain: Chain,
        at: float,
        *,
        attributes: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> None:
        self.queues.send(queue_arn, body, at, message_attributes=attributes, chain=chain, message_id=message_id)
        self.arrivals.wake(queue_arn, at)

    def publish(
        self,
        topic_arn: str,
        message: Any,
        chain: Chain,
        *,
        condition: str,
        at: float,
        attributes: Mapping[str, Any] | None = None,
        subject: Any = None,
        message_id: str | None = None,
    ) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        fanned = sns.fan_out(
            self.stack,
            topic_arn,
            text,
            message_id=message_id or str(uuid.uuid4()),
            attributes=attributes or {},
            subject=subject,
            timestamp=self.clock.timestamp(at),
        )
        if fanned is None:  # a topic without subscriptions keeps what it was sent, for the report
            self.recorder.run.topics.setdefault(self.stack.label(topic_arn), []).append(message)
            return
        for fanout in fanned:
            subscription, endpoint = fanout.subscription.ref.path, fanout.subscription.endpoint
            self.recorder.delivery(at, subscription, condition, endpoint, fanout.payload, fanout.refusal)
            if fanout.refusal:
                label = self.stack.label(endpoint.arn)
                self.recorder.drop(subscription, f"subscription endpoint {label} not reached: {fanout.refusal}", at)
            elif fanout.attributes and endpoint.arn in self.stack.queues:
                self.send_to_queue(endpoint.arn, fanout.payload, chain, at, attributes=fanout.attributes)
            else:
                self.deliver(endpoint, fanout.payload, chain, source=subscription, condition=condition, at=at)

    def put_event(
        self, bus_arn: str, event: Mapping[str, Any], chain: Chain, *, condition: str, origin: str, at: float
    ) -> None:
        bus = self.stack.label(bus_arn)
        self.recorder.run.buses.setdefault(bus, []).append(event)
        routing = events.route(self.stack, bus_arn, event)
        # EventBridge carries no recursion metadata: what a rule invokes starts a chain Lambda cannot follow.
        lost = chain.lost()
        for problem in routing.problems:
            self.recorder.problem(problem)
        for match in routing.matches:
            rule = match.rule.path
            self.recorder.trace(at, bus, rule, "matches the rule's pattern")
            for routed in match.routed:
                target = routed.target.target
                reason = routed.error or routed.refusal
                self.recorder.delivery(at, rule, condition, target, routed.received, reason)
                if reason:
                    self.recorder.drop(rule, f"target {self.stack.label(target.arn)} not invoked: {reason}", at)
                else:
                    self.deliver(target, routed.received, lost, source=rule, condition=condition, at=at)
        if not routing.matches:
            self.recorder.drop(origin, f"the event on {bus} matched no enabled rule", at)

    def announce_object(self, bucket_arn: str, key: str, body: Any, data: bytes, chain: Chain, at: float) -> None:
        """A new object of a bucket of the stack (``body`` as the report shows it, ``data`` its bytes), and
        the notifications its bucket sends for it."""
        bucket = self.stack.buckets[bucket_arn]
        self.recorder.run.buckets.setdefault(self.stack.label(bucket_arn), []).append({"key": key, "body": body})
        notices = s3.notify(
            self.stack, bucket_arn, key, data, timestamp=self.clock.timestamp(at), sequencer=f"{int(at * 1000):016X}"
        )
        for notice in notices:
            target = notice.notification.target
            self.recorder.delivery(at, bucket.ref.path, "ObjectCreated", target, notice.event, notice.refusal)
            if notice.refusal:
                label = self.stack.label(target.arn)
                self.recorder.drop(bucket.ref.path, f"notification to {label} not sent: {notice.refusal}", at)
            else:
                self.deliver(target, notice.event, chain, source=bucket.ref.path, condition="ObjectCreated", at=at)

    # --- what a handler's calls set in motion -------------------------------------------------------------

    def apply(self, effects: Iterable[Effect]) -> None:
        """Carry out each effect at the time its call was made, in the order the calls came."""
        for effect in effects:
            self._apply(effect)

    def _apply(self, effect: Effect) -> None:
        at, origin, chain = effect.at, effect.origin, effect.chain
        if isinstance(effect, Invoke):
            function = effect.function
            self.arrivals.event(function, effect.qualifier, effect.payload, chain, at, origin)
            self.recorder.say(
                f"{origin} invoked {function.path} asynchronously (allowed: lambda:InvokeFunction on {effect.target})",
                at,
            )
        elif isinstance(effect, QueueMessage):
            label = self.stack.label(effect.queue_arn)
            self.recorder.trace(at, origin, label, "SendMessage")
            self.recorder.say(f"{origin} sent a message to {label}", at)
            if effect.queue_arn in self.stack.queues:
                self.send_to_queue(
                    effect.queue_arn, effect.body, chain, at, attributes=effect.attributes, message_id=effect.message_id
                )
            else:
                self.recorder.external(label, _loads(effect.body))
        elif isinstance(effect, TopicMessage):
            label = self.stack.label(effect.topic_arn)
            self.recorder.trace(at, origin, label, "Publish")
            if effect.topic_arn in self.stack.topics:
                self.publish(
                    effect.topic_arn,
                    effect.message,
                    chain,
                    condition="Publish",
                    at=at,
                    attributes=effect.attributes,
                    subject=effect.subject,
                    message_id=effect.message_id,
                )
            else:
                self.recorder.external(label, _loads(effect.message))
        elif isinstance(effect, BusEvent):
            event = {**effect.event, "time": self.clock.seconds_timestamp(at)}
            self.recorder.trace(at, origin, self.stack.label(effect.bus_arn), "PutEvents")
            if events.is_bus_of(self.stack, effect.bus_arn):
                self.put_event(effect.bus_arn, event, chain, condition="PutEvents", origin=origin, at=at)
            else:
                self.recorder.external(self.stack.label(effect.bus_arn), event)
        elif isinstance(effect, BucketObject):
            label = self.stack.label(effect.bucket_arn)
            self.recorder.trace(at, origin, label, f"PutObject {effect.key}")
            body = _loads(effect.body.decode(errors="replace"))
            if effect.bucket_arn in self.stack.buckets:
                self.announce_object(effect.bucket_arn, effect.key, body, effect.body, chain, at)
            else:
                self.recorder.external(label, {"key": effect.key, "body": body})


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
