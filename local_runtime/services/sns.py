"""Amazon SNS: ``Publish`` as a handler calls it, and a topic's fan-out to its subscriptions.

``Publish`` is allowed only if the caller's role allows ``sns:Publish`` on the topic
(``AuthorizationError`` otherwise); a message over 256 KiB is refused (``InvalidParameter``).

Fan-out ("Amazon SNS message filtering", "Amazon SNS raw message delivery", "Fanout to Lambda
functions"): each subscription whose filter policy (on the message attributes, or on its JSON body
with ``filter_policy_scope`` ``MessageBody``) passes gets the
notification: a Lambda endpoint as an event of one record (``EventSource: aws:sns``), a queue as
the notification's JSON, or the bare message with raw delivery. The endpoint must let
``sns.amazonaws.com`` send from the topic (a Lambda permission, a queue policy).
"""

from __future__ import annotations

import base64
import hashlib
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
    attributes: Mapping[str, Any] | None = None  # a raw delivery's SQS message attributes


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
    sns_attributes = {name: _attribute(value) for name, value in attributes.items()}
    subscriptions = [s for s in model.subscriptions if s.topic_arn == topic_arn]
    if not subscriptions:
        return None
    fanned = []
    for subscription in subscriptions:
        verdict = passes(subscription, text, sns_attributes)
        if verdict is not True:
            if verdict:  # a policy the engine cannot evaluate: said, never taken as a match
                fanned.append(Fanout(subscription, None, f"its filter policy uses {verdict}: not evaluated"))
            continue
        subscription_arn = f"{topic_arn}:{uuid.uuid5(uuid.NAMESPACE_URL, f'{topic_arn}/{subscription.ref.path}')}"
        message = Message(topic_arn, subscription_arn, text, message_id, sns_attributes, subject, timestamp)
        payload: Any
        if subscription.protocol == "lambda":
            payload = {
                "Records": [
                    {
                        "EventSource": "aws:sns",
                        "EventVersion": "1.0",
                        "EventSubscriptionArn": subscription_arn,
                        "Sns": message.lambda_record(),
                    }
                ]
            }
        elif subscription.protocol == "sqs" and subscription.raw_message_delivery:
            payload = text  # the published attributes become the message's (AWS's recording)
        else:
            payload = message.envelope()
        raw = subscription.protocol == "sqs" and subscription.raw_message_delivery
        refusal = service_refusal(model, subscription.endpoint, "sns.amazonaws.com", topic_arn, model.label(topic_arn))
        fanned.append(Fanout(subscription, payload, refusal, dict(attributes) if raw and attributes else None))
    return fanned


@dataclass(frozen=True)
class Message:
    """One notification of a topic to one subscription, in the two shapes AWS recorded (LocalStack's
    tests/aws/services/sns/test_sns.snapshot.json, commit 8b9a79f0): the JSON a queue (or any endpoint
    but Lambda) receives, and the ``Sns`` object of a Lambda event. They differ: ``SigningCertURL`` and
    ``UnsubscribeURL`` against ``SigningCertUrl`` and ``UnsubscribeUrl``; without a subject, no
    ``Subject`` key against ``"Subject": null``; without attributes, no ``MessageAttributes`` against
    ``{}``. The signature has SignatureVersion 1's form (base64 of 256 bytes) but signs nothing: no
    local certificate verifies it."""

    topic_arn: str
    subscription_arn: str
    text: str
    message_id: str
    attributes: Mapping[str, Any]
    subject: Any
    timestamp: str

    def _fields(self, cert_key: str, unsubscribe_key: str) -> dict[str, Any]:
        region = self.topic_arn.split(":")[3]
        host = f"https://sns.{region}.amazonaws.com"
        digest = hashlib.sha256(f"{self.message_id}\n{self.text}\n{self.timestamp}".encode()).digest()
        return {
            "Timestamp": self.timestamp,
            "SignatureVersion": "1",
            "Signature": base64.b64encode(digest * 8).decode(),
            cert_key: f"{host}/SimpleNotificationService-{hashlib.md5(region.encode()).hexdigest()}.pem",  # noqa: S324
            unsubscribe_key: f"{host}/?Action=Unsubscribe&SubscriptionArn={self.subscription_arn}",
        }

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": "Notification", "MessageId": self.message_id, "TopicArn": self.topic_arn}
        if self.subject is not None:
            body["Subject"] = self.subject
        body["Message"] = self.text
        body.update(self._fields("SigningCertURL", "UnsubscribeURL"))
        if self.attributes:
            body["MessageAttributes"] = dict(self.attributes)
        return body

    def lambda_record(self) -> dict[str, Any]:
        return {
            "Type": "Notification",
            "MessageId": self.message_id,
            "TopicArn": self.topic_arn,
            "Subject": self.subject,
            "Message": self.text,
            **self._fields("SigningCertUrl", "UnsubscribeUrl"),
            "MessageAttributes": dict(self.attributes),
        }


def _attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute as SNS notifications carry it: ``Type`` and ``Value`` (binary as base64)."""
    kind = str(value.get("DataType", "String"))
    if kind.startswith("Binary"):
        data = value.get("BinaryValue", b"")
        data = base64.b64decode(data) if isinstance(data, str) else bytes(data)
        return {"Type": kind, "Value": base64.b64encode(data).decode()}
    return {"Type": kind, "Value": value.get("StringValue")}


def passes(subscription: Subscription, text: str, attributes: Mapping[str, Any]) -> bool | str:
    """Whether the subscription's filter policy takes the message ("Amazon SNS message filtering"): on
    its attributes (the default scope) or on its body, which must then be a JSON object; no policy
    takes every message. A policy the engine cannot evaluate gives what it uses, as text."""
    policy = subscription.filter_policy
    if policy is None:
        return True
    if subscription.filter_scope == "MessageBody":
        values = _loads(text)
        if not isinstance(values, dict):
            return False
    else:
        values = {
            name: _loads(str(value.get("Value"))) if value.get("Type") in ("Number", "String.Array") else value["Value"]
            for name, value in attributes.items()
        }
    try:
        return isinstance(policy, dict) and matches(policy, values)
    except UnsupportedPattern as error:
        return str(error)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
