"""Calls AWS the way the event says ("call"), with the boto3 of the runtime, and reports the answer.

``node_prober`` makes the same calls with the SDK for JavaScript v3 and reports them in the same words.
"""

import base64
import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def _invoke(event):
    size = int(event.get("size", 0))
    payload = event.get("payload", {"mode": "ok", "pad": "x" * size})
    options = {"LogType": event["log_type"]} if "log_type" in event else {}
    response = boto3.client("lambda").invoke(
        FunctionName=event.get("target", os.environ["TARGET"]),
        InvocationType=event["call"],
        Payload=json.dumps(payload).encode(),
        **options,
    )
    answer = {"status": response["StatusCode"], "payload": response["Payload"].read().decode()}
    if "ExecutedVersion" in response:
        answer["version"] = response["ExecutedVersion"]
    if "FunctionError" in response:
        answer["function_error"] = response["FunctionError"]
    if "LogResult" in response:
        answer["log"] = base64.b64decode(response["LogResult"]).decode()
    return answer


def _s3(event):
    """A client addressing buckets as the event says: by path, by host (``<bucket>.s3.<region>.amazonaws.com``)
    or as boto3 chooses for the endpoint it was given."""
    addressing = event.get("addressing")
    if addressing == "virtual-host":
        return boto3.client(
            "s3", endpoint_url="https://s3.eu-west-1.amazonaws.com", config=Config(s3={"addressing_style": "virtual"})
        )
    return boto3.client("s3", config=Config(s3={"addressing_style": "path" if addressing == "path" else "auto"}))


def _send_message(event):
    response = boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event["body"]))
    return {"message_id": response["MessageId"], "md5": response["MD5OfMessageBody"]}


def _publish(event):
    """To the topic named by the environment variable ``topic`` [TOPIC_ARN], with a subject and
    attributes (numbers as Number, the rest as String) if the event has them."""
    options = {"TopicArn": os.environ[event.get("topic", "TOPIC_ARN")], "Message": json.dumps(event["body"])}
    if "subject" in event:
        options["Subject"] = event["subject"]
    if "attributes" in event:
        options["MessageAttributes"] = {
            name: {"DataType": "Number" if isinstance(value, (int, float)) else "String", "StringValue": str(value)}
            for name, value in event["attributes"].items()
        }
    response = boto3.client("sns").publish(**options)
    return {"message_id": response["MessageId"]}


def _put_events(event):
    entry = {
        "Source": "prober",
        "DetailType": "probe",
        "Detail": json.dumps(event["body"]),
        "EventBusName": os.environ["BUS"],
    }
    response = boto3.client("events").put_events(Entries=[entry])
    return {"failed": response["FailedEntryCount"], "entries": len(response["Entries"])}


def _put_object(event):
    body = event["body"] if isinstance(event["body"], str) else json.dumps(event["body"])
    response = _s3(event).put_object(
        Bucket=os.environ["BUCKET"],
        Key=event["key"],
        Body=body,
        ContentType=event.get("content_type", "application/json"),
    )
    return {"stored": event["key"], "etag": response["ETag"]}


def _get_object(event):
    response = _s3(event).get_object(Bucket=os.environ["BUCKET"], Key=event["key"])
    return {
        "body": response["Body"].read().decode(),
        "content_type": response["ContentType"],
        "etag": response["ETag"],
        "length": response["ContentLength"],
        "last_modified": response["LastModified"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def _list_objects(event):
    options = {"Bucket": os.environ["BUCKET"], "Prefix": event.get("prefix", "")}
    if "max_keys" in event:
        options["MaxKeys"] = event["max_keys"]
    if event.get("start_after"):
        options["StartAfter"] = event["start_after"]
    if event.get("token"):
        options["ContinuationToken"] = event["token"]
    response = _s3(event).list_objects_v2(**options)
    return {
        "keys": [item["Key"] for item in response.get("Contents", [])],
        "count": response["KeyCount"],
        "truncated": response["IsTruncated"],
        "next": response.get("NextContinuationToken"),
    }


def _put_item(event):
    boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"], Item=event["item"])
    return {}


def _get_item(event):
    response = boto3.client("dynamodb").get_item(TableName=os.environ["TABLE"], Key=event["key"])
    return {"item": response.get("Item")}


def _create_queue(event):
    boto3.client("sqs").create_queue(QueueName=event["name"])
    return {}


CALLS = {
    "DryRun": _invoke,
    "Event": _invoke,
    "RequestResponse": _invoke,
    "SendMessage": _send_message,
    "Publish": _publish,
    "PutEvents": _put_events,
    "PutObject": _put_object,
    "GetObject": _get_object,
    "ListObjectsV2": _list_objects,
    "PutItem": _put_item,
    "GetItem": _get_item,
    "CreateQueue": _create_queue,
}


def handler(event, context):
    call = CALLS.get(event["call"])
    if call is None:
        raise ValueError(f"unknown call {event['call']!r}")
    try:
        return call(event)
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
