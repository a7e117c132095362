"""Answers an HTTP API request with its own event, or with whatever the request's body asks for.

A JSON body ``{"respond": X}`` makes the function return ``X`` itself, so a test can hand API Gateway any
response shape (after ``"sleep"`` seconds, when the body has it) (LocalStack's test_aws_proxy_response_payload_format_validation does the same with
``json.loads(event["body"])``). Anything else is answered 200 with the event as the JSON body, in the
one response shape both payload formats (1.0 and 2.0) accept.
"""

import json
import time


def asked_response(event):
    body = event.get("body")
    if not body or event.get("isBase64Encoded"):
        return None
    try:
        asked = json.loads(body)
    except ValueError:
        return None
    return asked if isinstance(asked, dict) and "respond" in asked else None


def handler(event, context):
    asked = asked_response(event)
    if asked is not None:
        time.sleep(asked.get("sleep", 0))
        return asked["respond"]
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
