"""What a handler sends with its SDK: SQS ``SendMessage``/``SendMessageBatch``, SNS ``Publish``,
EventBridge ``PutEvents``, S3 ``PutObject``; each allowed only if the caller's role allows it.

The message then goes where the service would take it, through the engine's ``Router``: a queue of
the stack holds it (and its consumers poll it), a topic fans it out to its subscriptions, a bus to
its rules, a bucket keeps the object and notifies; a resource outside the stack records it as
delivered there. Limits as the services document them: an SQS message up to 1 MiB, an SNS message
up to 256 KiB, an EventBridge entry up to 1 MiB (the engine's choice, with the destinations').
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.iam import allows, denial
from local_runtime.model.records import StackModel
from local_runtime.services import Caller, Router

SQS_MAX_BYTES = 1024 * 1024
SNS_MAX_BYTES = 256 * 1024
EVENTS_MAX_BYTES = 1024 * 1024


# The error code each service answers a denied request with.
DENIED_CODES = {
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "events": "AccessDeniedException",
    "s3": "AccessDenied",
}


def _require(model: StackModel, caller: Caller, action: str, resource: str) -> None:
    if not allows(caller.function.role, action, resource):
        raise AwsError(
            DENIED_CODES[action.split(":")[0]],
            denial(caller.function.role, action, resource, caller.function.name, model.account),
            403,
        )


def _queue_arn(model: StackModel, url: str) -> str:
    queue = next((q for q in model.queues.values() if q.url == url), None)
    if queue is not None:
        return queue.arn
    parts = url.rstrip("/").split("/")  # https://sqs.<region>.amazonaws.com/<account>/<name>
    region = parts[2].split(".")[1] if len(parts) >= 5 and parts[2].count(".") >= 2 else model.region
    return f"arn:{model.partition}:sqs:{region}:{parts[-2] if len(parts) >= 2 else model.account}:{parts[-1]}"


def send_message(
    model: StackModel, caller: Caller, operation: str, params: dict[str, Any], router: Router
) -> dict[str, Any]:
    arn = _queue_arn(model, str(params.get("QueueUrl", "")))
    _require(model, caller, "sqs:SendMessage", arn)
    entries = params.get("Entries", []) if operation == "SendMessageBatch" else [params]
    successful, failed = [], []
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
        message_id = router.to_queue(caller, arn, body, dict(entry.get("MessageAttributes") or {}))
        result = {"MessageId": message_id, "MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest()}  # noqa: S324
        successful.append({"Id": entry.get("Id"), **result})
    if operation == "SendMessageBatch":
        return {"Successful": successful, "Failed": failed}
    return {key: value for key, value in successful[0].items() if key != "Id"}


def publish(model: StackModel, caller: Caller, params: dict[str, Any], router: Router) -> dict[str, Any]:
    arn = str(params.get("TopicArn") or params.get("TargetArn") or "")
    _require(model, caller, "sns:Publish", arn)
    message = str(params.get("Message", ""))
    if len(message.encode()) > SNS_MAX_BYTES:
        raise AwsError("InvalidParameter", f"Invalid parameter: Message too long (over {SNS_MAX_BYTES} bytes)", 400)
    message_id = router.to_topic(
        caller, arn, message, dict(params.get("MessageAttributes") or {}), params.get("Subject")
    )
    return {"MessageId": message_id}


def put_events(model: StackModel, caller: Caller, params: dict[str, Any], router: Router) -> dict[str, Any]:
    entries, failed = [], 0
    for entry in params.get("Entries", []):
        bus = str(entry.get("EventBusName") or "default")
        bus_arn = (
            bus
            if bus.startswith("arn:")
            else f"arn:{model.partition}:events:{model.region}:{model.account}:event-bus/{bus}"
        )
        _require(model, caller, "events:PutEvents", bus_arn)
        try:
            detail = json.loads(entry.get("Detail") or "{}")
        except json.JSONDecodeError:
            entries.append({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
            failed += 1
            continue
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry.get("DetailType", ""),
            "source": entry.get("Source", ""),
            "account": model.account,
            "region": model.region,
            "resources": list(entry.get("Resources") or []),
            "detail": detail,
        }
        if len(json.dumps(event).encode()) > EVENTS_MAX_BYTES:
            entries.append(
                {"ErrorCode": "EntryTooLarge", "ErrorMessage": f"the entry is over {EVENTS_MAX_BYTES} bytes"}
            )
            failed += 1
            continue
        entries.append({"EventId": router.to_bus(caller, bus_arn, event)})
    return {"FailedEntryCount": failed, "Entries": entries}


def put_object(model: StackModel, caller: Caller, params: dict[str, Any], router: Router) -> dict[str, Any]:
    bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
    _require(model, caller, "s3:PutObject", f"arn:{model.partition}:s3:::{bucket}/{key}")
    body = params.get("Body", b"")
    data = body.read() if hasattr(body, "read") else body
    data = data.encode() if isinstance(data, str) else bytes(data or b"")
    router.to_bucket(caller, f"arn:{model.partition}:s3:::{bucket}", key, data)
    return {"ETag": f'"{hashlib.md5(data).hexdigest()}"'}  # noqa: S324 - S3's ETag of a simple upload
