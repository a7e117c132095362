"""Amazon S3: the stack's buckets as state, ``PutObject``, ``GetObject`` and ``ListObjectsV2`` as a
handler calls them, and a bucket's notifications of new objects.

Each call is allowed only if the caller's role allows it (``s3:PutObject``/``s3:GetObject`` on
``<bucket ARN>/<key>``, ``s3:ListBucket`` on the bucket; ``AccessDenied`` otherwise). A bucket of the
stack keeps what is put there (a handler reads it back at once); a bucket outside the stack has
nothing to read (``NoSuchBucket``), and what is put there is recorded as delivered there. A new
object of a bucket of the stack is announced to each target of its ``aws_s3_bucket_notification``
whose events (``s3:ObjectCreated:*`` or ``:Put``), prefix and suffix take it, as an
``ObjectCreated:Put`` event record ("Event message structure"); the target must let
``s3.amazonaws.com`` send from the bucket.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from local_runtime.errors import AwsError
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


@dataclass(frozen=True)
class StoredObject:
    key: str
    data: bytes
    etag: str  # quoted, as S3 answers it
    modified: datetime.datetime
    content_type: str


class Buckets:
    """Every bucket of the stack, by ARN: the objects put there."""

    def __init__(self, model: StackModel) -> None:
        self.model = model
        self.objects: dict[str, dict[str, StoredObject]] = {arn: {} for arn in model.buckets}

    def put(self, bucket_arn: str, key: str, data: bytes, content_type: str = "binary/octet-stream") -> StoredObject:
        stored = StoredObject(
            key,
            data,
            f'"{hashlib.md5(data).hexdigest()}"',  # noqa: S324 - S3's ETag of a simple upload
            datetime.datetime.now(datetime.UTC).replace(microsecond=0),
            content_type,
        )
        self.objects[bucket_arn][key] = stored
        return stored

    def of(self, bucket: str) -> dict[str, StoredObject]:
        arn = f"arn:{self.model.partition}:s3:::{bucket}"
        if arn not in self.objects:
            raise AwsError(
                "NoSuchBucket", f"The specified bucket does not exist (no bucket {bucket} in this stack)", 404
            )
        return self.objects[arn]


def _bucket_and_key(params: dict[str, Any]) -> tuple[str, str]:
    return str(params.get("Bucket", "")), str(params.get("Key", ""))


def put_object(
    model: StackModel, buckets: Buckets, caller: Caller, params: dict[str, Any]
) -> tuple[dict[str, Any], list[BucketObject]]:
    bucket, key = _bucket_and_key(params)
    require(model, caller, "s3:PutObject", f"arn:{model.partition}:s3:::{bucket}/{key}", "AccessDenied")
    body = params.get("Body", b"")
    data = body.read() if hasattr(body, "read") else body
    data = data.encode() if isinstance(data, str) else bytes(data or b"")
    arn = f"arn:{model.partition}:s3:::{bucket}"
    etag = f'"{hashlib.md5(data).hexdigest()}"'  # noqa: S324 - S3's ETag of a simple upload
    if arn in buckets.objects:
        etag = buckets.put(arn, key, data, str(params.get("ContentType") or "binary/octet-stream")).etag
    effect = BucketObject(caller.function.path, caller.chain, caller.now(), arn, key, data)
    return {"ETag": etag}, [effect]


def get_object(model: StackModel, buckets: Buckets, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
    bucket, key = _bucket_and_key(params)
    require(model, caller, "s3:GetObject", f"arn:{model.partition}:s3:::{bucket}/{key}", "AccessDenied")
    stored = buckets.of(bucket).get(key)
    if stored is None:
        raise AwsError("NoSuchKey", "The specified key does not exist.", 404)
    return {
        "Body": stored.data,
        "ContentLength": len(stored.data),
        "ContentType": stored.content_type,
        "ETag": stored.etag,
        "LastModified": stored.modified,
    }


def list_objects_v2(model: StackModel, buckets: Buckets, caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
    """Keys in UTF-8 order after ``StartAfter`` or the (opaque) continuation token, at most ``MaxKeys``
    [1000] a page; URL-encoded when the request asks (``EncodingType=url``, as boto3 always does)."""
    bucket = str(params.get("Bucket", ""))
    require(model, caller, "s3:ListBucket", f"arn:{model.partition}:s3:::{bucket}", "AccessDenied")
    objects = buckets.of(bucket)
    prefix, limit = str(params.get("Prefix") or ""), int(params.get("MaxKeys") or 1000)
    after = str(params.get("StartAfter") or "")
    if params.get("ContinuationToken"):
        after = _token_key(str(params["ContinuationToken"]))
    keys = sorted((k for k in objects if k.startswith(prefix) and k > after), key=lambda k: k.encode())
    page, more = keys[:limit], len(keys) > limit
    encode = (lambda text: quote(text, safe="/")) if params.get("EncodingType") == "url" else str
    response: dict[str, Any] = {
        "IsTruncated": more,
        "Name": bucket,
        "Prefix": encode(prefix),
        "MaxKeys": limit,
        "KeyCount": len(page),
    }
    if page:
        response["Contents"] = [
            {
                "Key": encode(key),
                "LastModified": objects[key].modified,
                "ETag": objects[key].etag,
                "Size": len(objects[key].data),
                "StorageClass": "STANDARD",
            }
            for key in page
        ]
    for name in ("ContinuationToken", "StartAfter"):
        if params.get(name):
            response[name] = params[name] if name == "ContinuationToken" else encode(str(params[name]))
    if params.get("EncodingType") == "url":
        response["EncodingType"] = "url"
    if more:
        response["NextContinuationToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
    return response


def _token_key(token: str) -> str:
    """The last key of the page a continuation token of ``list_objects_v2`` ended."""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise AwsError("InvalidArgument", "The continuation token provided is incorrect", 400) from None


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
