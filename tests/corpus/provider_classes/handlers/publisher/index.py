"""Publishes to TOPIC_ARN or puts an event on BUS_NAME, as the event says, with boto3.

{"publish": {"Message": ..., "Subject": ..., "MessageAttributes": ...}} is SNS Publish's request;
{"put_events": {"Source": ..., "DetailType": ..., "Detail": ...}} one PutEvents entry.
"""

import os

import boto3


def handler(event, context):
    if "publish" in event:
        response = boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], **event["publish"])
        return {"message_id": response["MessageId"]}
    entry = {**event["put_events"], "EventBusName": os.environ["BUS_NAME"]}
    response = boto3.client("events").put_events(Entries=[entry])
    return {"event_ids": [e.get("EventId") for e in response["Entries"]]}
