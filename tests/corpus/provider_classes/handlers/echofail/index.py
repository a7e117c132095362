"""Logs the event with its request id, then fails: every attempt of an asynchronous invoke fails alike."""

import json


def handler(event, context):
    print(json.dumps({"event": event, "aws_request_id": context.aws_request_id}))
    raise Exception("intentional failure")
