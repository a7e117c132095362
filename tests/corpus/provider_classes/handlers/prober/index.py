"""Calls AWS the way the event says ("call"), with the boto3 of the runtime, and reports the answer."""

import json
import os

import boto3
from botocore.exceptions import ClientError


def handler(event, context):
    call = event["call"]
    try:
        if call in ("DryRun", "Event"):
            size = int(event.get("size", 0))
            payload = json.dumps({"mode": "ok", "pad": "x" * size}).encode()
            response = boto3.client("lambda").invoke(
                FunctionName=event.get("target", os.environ["TARGET"]), InvocationType=call, Payload=payload
            )
            return {"status": response["StatusCode"], "payload": response["Payload"].read().decode()}
        if call == "SendMessage":
            response = boto3.client("sqs").send_message(
                QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event["body"])
            )
            return {"message_id": response["MessageId"]}
        if call == "Publish":
            response = boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps(event["body"]))
            return {"message_id": response["MessageId"]}
        if call == "PutEvents":
            entry = {
                "Source": "prober",
                "DetailType": "probe",
                "Detail": json.dumps(event["body"]),
                "EventBusName": os.environ["BUS"],
            }
            response = boto3.client("events").put_events(Entries=[entry])
            return {"failed": response["FailedEntryCount"]}
        if call == "PutObject":
            boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=event["key"], Body=json.dumps(event["body"]))
            return {"stored": event["key"]}
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    raise ValueError(f"unknown call {call!r}")
