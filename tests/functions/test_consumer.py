"""Consumer: First's results consumed; what cannot be, reported per message so only it is received again."""

import json
import logging
from pathlib import Path

import pytest

from tests.functions.context import LambdaContext, load_function
from tests.support import FUNCTIONS_DIR

RECORD = json.loads((Path(__file__).parent / "events" / "success_record.json").read_text())


@pytest.fixture
def consumer():
    return load_function("consumer", FUNCTIONS_DIR)


def sqs_event(*bodies):
    """An SQS batch as Lambda's event source mapping delivers it: message ids m0, m1, ..."""
    return {
        "Records": [
            {"messageId": f"m{index}", "body": body, "eventSource": "aws:sqs"} for index, body in enumerate(bodies)
        ]
    }


def record(**request):
    return json.dumps({**RECORD, "requestPayload": {**RECORD["requestPayload"], **request}})


def logged(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records]


def test_a_batch_of_success_records_is_consumed_whole(consumer, caplog):
    # GIVEN two success records of First
    with caplog.at_level(logging.INFO):
        # WHEN the batch is handled
        answer = consumer.handler(sqs_event(record(), record()), LambdaContext())
    # THEN no message is reported failed, and First's result is logged for each
    assert answer == {"batchItemFailures": []}
    assert logged(caplog) == [
        {"message": "consumed", "message_id": f"m{index}", "result": RECORD["responsePayload"]} for index in (0, 1)
    ]


def test_only_the_poison_message_is_reported_failed(consumer, caplog):
    # GIVEN a batch whose middle message comes from a request marked poison
    event = sqs_event(record(), record(poison=True), record())
    with caplog.at_level(logging.INFO):
        answer = consumer.handler(event, LambdaContext())
    # THEN only that message is received again; the others are deleted with the batch
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert logged(caplog)[1] == {
        "message": "not consumed",
        "message_id": "m1",
        "reason": "the request is marked poison",
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "body is not JSON"),
        (None, "body is not JSON"),
        ("[1, 2]", "body is not the record of a successful invocation"),
        (json.dumps({"requestContext": "x"}), "body is not the record of a successful invocation"),
        (
            json.dumps({**RECORD, "requestContext": {**RECORD["requestContext"], "condition": "RetriesExhausted"}}),
            "body is not the record of a successful invocation",
        ),
    ],
)
def test_a_body_that_is_no_success_record_fails_that_message_only(consumer, caplog, body, reason):
    # GIVEN a batch whose second message is not a success record WHEN handled
    with caplog.at_level(logging.INFO):
        answer = consumer.handler(sqs_event(record(), body), LambdaContext())
    # THEN that message alone is reported, with the reason logged
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert logged(caplog)[1]["reason"] == reason


def test_only_poison_true_marks_a_request_poison(consumer):
    assert consumer.handler(sqs_event(record(poison="yes"), record(poison=1)), LambdaContext()) == {
        "batchItemFailures": []
    }


def test_an_empty_batch_has_no_failures(consumer):
    assert consumer.handler({"Records": []}, LambdaContext()) == {"batchItemFailures": []}
