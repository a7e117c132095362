"""Amazon S3: ``PutObject`` as a handler calls it, and a bucket's notifications of new objects.

``PutObject`` is allowed only if the caller's role allows ``s3:PutObject`` on ``<bucket ARN>/<key>``
(``AccessDenied`` otherwise). A new object of a bucket of the stack is announced to each target of
its ``aws_s3_bucket_notification`` whose events (``s3:ObjectCreated:*`` or ``:Put``), prefix and
suffix take it, as an ``ObjectCreated:Put`` event record ("Event message structure"); the target
must let ``s3.amazonaws.com`` send from the bucket.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from local_runtime.iam import service_refusal
from local_runtime.model.records import BucketNotification, StackModel
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import BucketObject

CREATED = ("s3:ObjectCreated:*", "s3:ObjectCreated:Put")


@dataclass(frozen=True)
class Notice:
    """The event one notification sends, or why its target may not be reached (``refusal``)."""

    notification: BucketNotification
    event: dict[str, Any]
    refusal: str | None


def put_object(model: StackModel, caller: Caller, params: dict[str, Any]) -> tuple[dict[str, Any], list[BucketObject]]:
    bucket, key = str(params.get("Bucket", "")), str(params.get("Key", ""))
    require(model, caller, "s3:PutObject", f"arn:{model.partition}:s3:::{bucket}/{key}", "AccessDenied")
    body = params.get("Body", b"")
    data = body.read() if hasattr(body, "read") else body
    data = data.encode() if isinstance(data, str) else bytes(data or b"")
    effect = BucketObject(
        caller.function.path, caller.chain, caller.now(), f"arn:{model.partition}:s3:::{bucket}", key, data
    )
    return {"ETag": f'"{hashlib.md5(data).hexdigest()}"'}, [effect]  # noqa: S324 - S3's ETag of a simple upload


def notify(
    model: StackModel, bucket_arn: str, key: str, data: bytes, *, timestamp: str, sequencer: str
) -> list[Notice]:
    """The notifications a new object ``key`` of the stack's bucket sends."""
    bucket = model.buckets[bucket_arn]
    notices = []
    for notification in bucket.notifications:
        if not any(event in CREATED for event in notification.events):
            continue
        if not (key.startswith(notification.prefix) and key.endswith(notification.suffix)):
            continue
        event = object_created(model, bucket.name, bucket_arn, key, data, timestamp=timestamp, sequencer=sequencer)
        refusal = service_refusal(model, notification.target, "s3.amazonaws.com", bucket_arn, bucket.ref.path)
        notices.append(Notice(notification, event, refusal))
    return notices


def object_created(
    model: StackModel, bucket: str, bucket_arn: str, key: str, data: bytes, *, timestamp: str, sequencer: str
) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": model.region,
                "eventTime": timestamp,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": f"AWS:{model.account}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local",
                    "bucket": {"name": bucket, "ownerIdentity": {"principalId": model.account}, "arn": bucket_arn},
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": len(data),
                        "eTag": hashlib.md5(data).hexdigest(),  # noqa: S324 - S3's ETag of a simple upload
                        "sequencer": sequencer,
                    },
                },
            }
        ]
    }
