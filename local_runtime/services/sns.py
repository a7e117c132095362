"""Amazon SNS: ``Publish`` as a handler calls it, and a topic's fan-out to its subscriptions.

``Publish`` is allowed only if the caller's role allows ``sns:Publish`` on the topic
(``AuthorizationError`` otherwise); a message over 256 KiB is refused (``InvalidParameter``).

Fan-out ("Amazon SNS message filtering", "Amazon SNS raw message delivery", "Fanout to Lambda
functions"): each subscription whose filter policy (on the message attributes) passes gets the
notification: a Lambda endpoint as an event of one record (``EventSource: aws:sns``), a queue as
the notification's JSON, or the bare message with raw delivery. The endpoint must let
``sns.amazonaws.com`` send from the topic (a Lambda permission, a queue policy).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.event_patterns import UnsupportedPattern, matches
from local_runtime.iam import service_refusal
from local_runtime.limits import SNS_MAX_BYTES
from local_runtime.model.records import StackModel, Subscription
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import TopicMessage


@dataclass(frozen=True)
class Fanout:
    """What one subscription receives, or why its endpoint may not be reached (``refusal``)."""

    subscription: Subscription
    payload: Any
    refusal: str | None


def publish(model: StackModel, caller: Caller, params: dict[str, Any]) -> tuple[dict[str, Any], list[TopicMessage]]:
    arn = str(params.get("TopicArn") or params.get("TargetArn") or "")
    require(model, caller, "sns:Publish", arn, "AuthorizationError")
    message = str(params.get("Message", ""))
    if len(message.encode()) > SNS_MAX_BYTES:
        raise AwsError("InvalidParameter", f"Invalid parameter: Message too long (over {SNS_MAX_BYTES} bytes)", 400)
    message_id = str(uuid.uuid4())
    effect = TopicMessage(
        caller.function.path,
        caller.chain,
        caller.now(),
        arn,
        message,
        message_id,
        dict(params.get("MessageAttributes") or {}),
        params.get("Subject"),
    )
    return {"MessageId": message_id}, [effect]


def fan_out(
    model: StackModel,
    topic_arn: str,
    text: str,
    *,
    message_id: str,
    attributes: Mapping[str, Any],
    subject: Any,
    timestamp: str,
) -> list[Fanout] | None:
    """What each subscription of the topic receives; None for a topic without subscriptions (it keeps
    the message)."""
    sns_attributes = {
        name: {"Type": value.get("DataType", "String"), "Value": value.get("StringValue")}
        for name, value in attributes.items()
    }
    subscriptions = [s for s in model.subscriptions if s.topic_arn == topic_arn]
    if not subscriptions:
        return None
    fanned = []
    for subscription in subscriptions:
        if subscription.filter_policy is not None and not passes_filter(subscription.filter_policy, sns_attributes):
            continue
        envelope = notification(topic_arn, text, message_id, sns_attributes, subject, timestamp)
        payload: Any
        if subscription.protocol == "lambda":
            payload = {
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
        refusal = service_refusal(model, subscription.endpoint, "sns.amazonaws.com", topic_arn, model.label(topic_arn))
        fanned.append(Fanout(subscription, payload, refusal))
    return fanned


def notification(
    topic_arn: str, text: str, message_id: str, attributes: Mapping[str, Any], subject: Any, timestamp: str
) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": text,
        "Timestamp": timestamp,
        "MessageAttributes": dict(attributes),
    }


def passes_filter(policy: Any, attributes: Mapping[str, Any]) -> bool:
    """An SNS filter policy (on message attributes) against a message's attributes."""
    values = {
        name: _loads(str(value.get("Value"))) if value.get("Type") == "Number" else value.get("Value")
        for name, value in attributes.items()
    }
    try:
        return isinstance(policy, dict) and matches(policy, values)
    except UnsupportedPattern:
        return False


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
