"""Amazon SQS: the stack's queues as state (messages, their visibility, receive counts and redrive),
and ``SendMessage``/``SendMessageBatch`` as a handler calls them.

What Amazon SQS documents, on the engine's virtual clock: a received message is invisible for the
queue's ``visibility_timeout_seconds`` (30 when unset) and comes back if it is not deleted; each
receive counts (``ApproximateReceiveCount``); a message received ``maxReceiveCount`` times that
would be received again is moved to the queue's ``redrive_policy`` dead-letter queue instead; a
message older than ``message_retention_seconds`` (345600 when unset) is deleted; ``delay_seconds``
holds a new message back. Each message also carries the chain of Lambda invocations that sent it,
which is how Lambda's recursion detection follows a loop through a queue.

A handler's send is allowed only if its role allows ``sqs:SendMessage`` on the queue (``AccessDenied``
otherwise); a message over 1 MiB is refused (``InvalidParameterValue``). The queue holds it once the
engine applies the call's effect.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local_runtime import arns
from local_runtime.chain import Chain
from local_runtime.errors import AwsError
from local_runtime.limits import SQS_MAX_BYTES
from local_runtime.model.records import Queue, StackModel
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import QueueMessage


@dataclass
class Message:
    message_id: str
    body: str
    sent_at: float
    visible_at: float
    message_attributes: Mapping[str, Any] = field(default_factory=dict)
    receive_count: int = 0
    receipt_handle: str = ""
    first_received_at: float | None = None
    chain: Chain = field(default_factory=Chain)

    def record(self, queue: Queue, region: str, epoch_ms: int, *, window_s: int = 0) -> dict[str, Any]:
        """The message as an SQS event record for a Lambda consumer, keys in AWS's order (LocalStack's
        tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.snapshot.json,
        commit 8b9a79f0). Without attributes, AWS's recordings leave ``md5OfMessageAttributes`` out
        when the mapping has no batching window and give it as null when it has one."""
        record: dict[str, Any] = {
            "messageId": self.message_id,
            "receiptHandle": self.receipt_handle,
            "body": self.body,
            "attributes": {
                "ApproximateReceiveCount": str(self.receive_count),
                "SentTimestamp": str(epoch_ms + int(self.sent_at * 1000)),
                "SenderId": "AIDAEXAMPLELOCAL",
                "ApproximateFirstReceiveTimestamp": str(epoch_ms + int((self.first_received_at or 0) * 1000)),
            },
            "messageAttributes": {name: _record_attribute(value) for name, value in self.message_attributes.items()},
        }
        digest = attributes_md5(self.message_attributes)
        if digest is not None or window_s > 0:
            record["md5OfMessageAttributes"] = digest
        record["md5OfBody"] = hashlib.md5(self.body.encode()).hexdigest()  # noqa: S324 - SQS's own checksum
        record.update({"eventSource": "aws:sqs", "eventSourceARN": queue.arn, "awsRegion": region})
        return record

    def report(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "body": self.body,
            "messageAttributes": dict(self.message_attributes),
            "receiveCount": self.receive_count,
        }


def _binary(value: Any) -> bytes:
    return base64.b64decode(value) if isinstance(value, str) else bytes(value or b"")


def _record_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute as a Lambda record carries it (lower-camel keys, empty lists included)."""
    kind = str(value.get("DataType", "String"))
    if kind.startswith("Binary"):
        first: dict[str, Any] = {"binaryValue": base64.b64encode(_binary(value.get("BinaryValue"))).decode()}
    else:
        first = {"stringValue": value.get("StringValue")}
    return {**first, "stringListValues": [], "binaryListValues": [], "dataType": kind}


def attributes_md5(attributes: Mapping[str, Any]) -> str | None:
    """SQS's MD5 of message attributes ("Calculating the MD5 message digest for message attributes"):
    for each attribute by name, its name, data type, transport type (1 string, 2 binary) and value,
    each string or value preceded by its length as 4 big-endian bytes. None without attributes."""
    if not attributes:
        return None
    digest = hashlib.md5()  # noqa: S324 - SQS's own checksum
    for name in sorted(attributes):
        value, kind = attributes[name], str(attributes[name].get("DataType", "String"))
        binary = kind.startswith("Binary")
        data = _binary(value.get("BinaryValue")) if binary else str(value.get("StringValue", "")).encode()
        for part in (name.encode(), kind.encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        digest.update(bytes([2 if binary else 1]) + struct.pack(">I", len(data)) + data)
    return digest.hexdigest()


class Queues:
    """Every queue of the stack, by ARN: what was sent, and where each message is now."""

    def __init__(self, model: StackModel) -> None:
        self.model = model
        # By queue ARN, then message id, in the order sent (a dict: deleting one is O(1) in a long queue).
        self.messages: dict[str, dict[str, Message]] = {arn: {} for arn in model.queues}
        self.moved: list[tuple[str, str, Message]] = []  # (from, to, message) redrives, for the report

    def send(
        self,
        arn: str,
        body: str,
        now: float,
        *,
        message_attributes: Mapping[str, Any] | None = None,
        chain: Chain | None = None,
        message_id: str | None = None,
    ) -> Message:
        queue = self.model.queues[arn]
        message = Message(
            message_id=message_id or str(uuid.uuid4()),
            body=body,
            sent_at=now,
            visible_at=now + queue.delay_seconds,
            message_attributes=dict(message_attributes or {}),
            chain=chain or Chain(),
        )
        self.messages[arn][message.message_id] = message
        return message

    def receive(self, arn: str, now: float, limit: int) -> list[Message]:
        """Up to ``limit`` visible messages, now invisible; those past their receives move to the redrive target."""
        queue = self.model.queues[arn]
        batch: list[Message] = []
        held = self.messages[arn]
        for message in tuple(held.values()):  # a copy: expired and redriven messages leave while it runs
            if len(batch) >= limit:
                break
            if now - message.sent_at > queue.retention_seconds:
                del held[message.message_id]  # past the retention period: SQS deletes it
                continue
            if message.visible_at > now:
                continue
            if queue.redrive is not None and message.receive_count >= queue.redrive.max_receive_count:
                del held[message.message_id]
                self.moved.append((arn, queue.redrive.dead_letter_arn, message))
                if queue.redrive.dead_letter_arn in self.messages:
                    self.messages[queue.redrive.dead_letter_arn][message.message_id] = message
                continue
            message.receive_count += 1
            message.receipt_handle = str(uuid.uuid4())
            message.first_received_at = message.first_received_at if message.first_received_at is not None else now
            message.visible_at = now + queue.visibility_timeout
            batch.append(message)
        return batch

    def delete(self, arn: str, message: Message) -> None:
        self.messages[arn].pop(message.message_id, None)

    def next_visible(self, arn: str, now: float) -> float | None:
        """When the next message of the queue becomes visible again, if any is in flight or delayed."""
        times = [m.visible_at for m in self.messages[arn].values() if m.visible_at > now]
        return min(times) if times else None

    def contents(self, label: Any) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        """(payloads, full messages) of what every queue holds now, by construct path; empty queues left out."""
        payloads, messages = {}, {}
        for arn, held in self.messages.items():
            if not held:
                continue
            name = label(arn)
            payloads[name] = [_payload(m.body) for m in held.values()]
            messages[name] = [m.report() for m in held.values()]
        return payloads, messages


def _payload(body: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        return body


# --- what a handler calls ------------------------------------------------------------------------------


def queue_arn(model: StackModel, url: str) -> str:
    """The ARN of the queue at ``url``: a queue of the stack by its URL, else read from the URL."""
    queue = next((q for q in model.queues.values() if q.url == url), None)
    if queue is not None:
        return queue.arn
    return arns.queue_arn(url, partition=model.partition, region=model.region, account=model.account)


def send_message(
    model: StackModel, caller: Caller, operation: str, params: dict[str, Any]
) -> tuple[dict[str, Any], list[QueueMessage]]:
    arn = queue_arn(model, str(params.get("QueueUrl", "")))
    require(model, caller, "sqs:SendMessage", arn, "AccessDenied")
    entries = params.get("Entries", []) if operation == "SendMessageBatch" else [params]
    successful, failed, effects = [], [], []
    for entry in entries:
        body = str(entry.get("MessageBody", ""))
        if len(body.encode()) > SQS_MAX_BYTES:
            error = f"One or more parameters are invalid. Reason: Message must be shorter than {SQS_MAX_BYTES} bytes."
            if operation != "SendMessageBatch":
                raise AwsError("InvalidParameterValue", error, 400)
            failed.append(
                {"Id": entry.get("Id"), "SenderFault": True, "Code": "InvalidParameterValue", "Message": error}
            )
            continue
        message_id = str(uuid.uuid4())
        effects.append(
            QueueMessage(
                caller.function.path,
                caller.chain,
                caller.now(),
                arn,
                body,
                message_id,
                dict(entry.get("MessageAttributes") or {}),
            )
        )
        result = {"MessageId": message_id, "MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest()}  # noqa: S324
        attributes_digest = attributes_md5(entry.get("MessageAttributes") or {})
        if attributes_digest is not None:
            result["MD5OfMessageAttributes"] = attributes_digest
        successful.append({"Id": entry.get("Id"), **result})
    if operation == "SendMessageBatch":
        return {"Successful": successful, "Failed": failed}, effects
    return {key: value for key, value in successful[0].items() if key != "Id"}, effects
