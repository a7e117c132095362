"""The SQS event Lambda's event source mapping gives a function: its records' keys, in AWS's order,
their attributes, message attributes and MD5s; and a redelivery after the visibility timeout.

Recordings (``recordings/``): ``sqs_esm_message_attributes``, ``sqs_esm_retry_after_visibility_timeout``
and ``sqs_esm_batching_window``, from LocalStack's
lambda_/event_source_mapping/test_lambda_integration_sqs.snapshot.json. Stack:
``conformance-messaging``: the queues Books (batch size 1, no window), Retried (visibility timeout 5
s) and Windowed (batching window 1 s) mapped to Echo, which answers with its event (and fails, with
the event as its error message, as often as a body's "fail_attempts" asks).
"""

import json

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording
from tests.conformance.runs import queue_url

BOOK = {  # sent as the recorded test sent them
    "Title": {"DataType": "String", "StringValue": "The Whistler"},
    "Author": {"DataType": "String", "StringValue": "John Grisham"},
    "WeeksOn": {"DataType": "Number", "StringValue": "6"},
}


@pytest.fixture(scope="module")
def events(conformance_stack):
    """Every event Echo was given, by queue: a message to each queue, drained at once."""
    stack = conformance_stack("messaging")
    with Engine(stack) as engine:
        engine.send_message("Books", {"destination": queue_url(stack, "Books"), "fail_attempts": 0}, BOOK)
        engine.send_message("Retried", {"destination": queue_url(stack, "Retried"), "fail_attempts": 1})
        engine.send_message("Windowed", {"foo": "bar"})
        run = engine.drain()
    by_queue: dict[str, list[dict]] = {}
    for invocation in run.invocations:
        result = invocation["result"]
        event = json.loads(result["errorMessage"]) if invocation["status"] == "error" else result
        by_queue.setdefault(stack.label(event["Records"][0]["eventSourceARN"]), []).append(event)
    return by_queue


def test_a_record_with_message_attributes_has_their_md5(events):
    # GIVEN the record of the message sent with Title, Author and WeeksOn
    (record,) = events["Books"][0]["Records"]
    # THEN it has md5OfMessageAttributes, the MD5 SQS computes over them
    recording("sqs_esm_message_attributes")["record"].check(record)


def test_a_failed_message_comes_back_after_the_visibility_timeout_as_recorded(events):
    # GIVEN Retried (visibility timeout 5 s) mapped to Echo with batch size 1
    # WHEN Echo fails the first receive of a message and not the second
    records = [event["Records"][0] for event in events["Retried"]]
    # THEN both events are AWS's: the same messageId, a new receiptHandle, ApproximateReceiveCount
    # "1" then "2", no md5OfMessageAttributes key for a message without attributes
    recording("sqs_esm_retry_after_visibility_timeout")["attempts"].check(records)


def test_a_record_without_attributes_in_a_batching_window_has_a_null_md5_of_attributes(events):
    # GIVEN the record of the message sent to Windowed without attributes
    (event,) = events["Windowed"]
    # THEN md5OfMessageAttributes is there, null
    recording("sqs_esm_batching_window")["event"].check(event)
