"""Answers with the event and its context, or fails when the event asks ("raise_error"), directly or
in the message of an SNS notification.

The handler of LocalStack's destination and dead-letter tests behaves so (its
``lambda_integration.py``); this is our own code for the same answers, so the conformance suite
can compare the records with AWS's recordings of those tests.
"""

import json


def asks_to_fail(event):
    if not isinstance(event, dict):
        return False
    messages = [json.loads(r["Sns"]["Message"]) for r in event.get("Records", []) if "Sns" in r]
    return any(isinstance(m, dict) and m.get("raise_error") for m in [event, *messages])


def handler(event, context):
    if asks_to_fail(event):
        raise Exception("Test exception (this is intentional)")
    return {
        "event": event,
        "context": {
            "invoked_function_arn": context.invoked_function_arn,
            "function_version": context.function_version,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "client_context": context.client_context,
        },
    }
