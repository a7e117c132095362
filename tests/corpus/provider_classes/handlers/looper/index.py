"""Sends what it receives, one hop further, with boto3: to QUEUE_URL and/or TOPIC_ARN, a loop through them.

Invoked directly ({"hop": n}), by the queue's event source mapping (each record's body) or by the
topic's subscription (each record's message). With MAX_HOPS set, a hop past it is not sent on.
"""

import json
import os

import boto3


def hops_of(event):
    records = event.get("Records", []) if isinstance(event, dict) else []
    if not records:
        return [event.get("hop", 0)]
    texts = [r["body"] if "body" in r else r["Sns"]["Message"] for r in records]
    return [json.loads(text).get("hop", 0) for text in texts]


def handler(event, context):
    sent = []
    for hop in hops_of(event):
        if hop >= int(os.environ.get("MAX_HOPS", "1000000")):
            continue
        body = json.dumps({"hop": hop + 1})
        if "QUEUE_URL" in os.environ:
            boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
        if "TOPIC_ARN" in os.environ:
            boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Message=body)
        sent.append(hop + 1)
    return {"sent": sent}
