"""Second: recognises a full invocation record and a bare response payload."""

import json
import logging
from pathlib import Path

import pytest

from tests.functions.context import LambdaContext, load_function
from tests.support import FUNCTIONS_DIR

RECORD = json.loads((Path(__file__).parent / "events" / "success_record.json").read_text())


@pytest.fixture
def second():
    return load_function("second", FUNCTIONS_DIR)


def logged(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records]


def test_a_full_invocation_record_is_logged_with_its_source_and_outcome(second, caplog):
    with caplog.at_level(logging.INFO):
        result = second.handler(RECORD, LambdaContext(aws_request_id="req-1"))
    assert result == {"accepted": True, "shape": "invocation-record"}
    assert logged(caplog) == [
        {
            "message": "received",
            "shape": "invocation-record",
            "request_id": "req-1",
            "source_function": RECORD["requestContext"]["functionArn"],
            "condition": "Success",
            "attempts": 1,
            "function_error": None,
            "response_payload": RECORD["responsePayload"],
        }
    ]


def test_a_bare_response_payload_is_logged_as_such(second, caplog):
    with caplog.at_level(logging.INFO):
        result = second.handler(RECORD["responsePayload"], LambdaContext(aws_request_id="req-2"))
    assert result == {"accepted": True, "shape": "response-payload"}
    assert logged(caplog)[0]["response_payload"] == RECORD["responsePayload"]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (None, "event must be a JSON object; got NoneType"),
        (
            {**RECORD, "requestPayload": None, "version": None} | {"requestContext": {"requestId": "r"}},
            "invocation record is missing requestContext.functionArn, requestContext.condition, requestContext.approximateInvokeCount",
        ),
        ({k: v for k, v in RECORD.items() if k != "timestamp"}, "invocation record is missing timestamp"),
        ({**RECORD, "requestContext": "x"}, "invocation record field requestContext must be an object"),
    ],
)
def test_a_bad_event_is_logged_and_answered_not_crashed_on(second, caplog, event, reason):
    with caplog.at_level(logging.INFO):
        result = second.handler(event, LambdaContext(aws_request_id="req-3"))
    assert result == {"accepted": False, "reason": reason}
    assert logged(caplog) == [{"message": "rejected event", "reason": reason, "request_id": "req-3"}]
    assert caplog.records[0].levelname == "ERROR"
