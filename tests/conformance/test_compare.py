"""The comparator the conformance tests use: what it accepts as AWS's value, and what it reports.

A recording's placeholders stand for values AWS returned: each is checked by format, and a
reference (``<uuid:1>``) by equality wherever it appears; everything else is compared exactly.
"""

import json
from typing import Any

import pytest

from tests.conformance.compare import differences, report, unknown_placeholders
from tests.conformance.recorded import LOCALSTACK_COMMIT, all_recordings

RECORDED = {
    "version": "1.0",
    "timestamp": "date",
    "requestContext": {
        "requestId": "<uuid:1>",
        "functionArn": "arn:<partition>:lambda:<region>:111111111111:function:<resource:2>:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 1,
    },
    "responsePayload": {"errorMessage": "boom", "requestId": "<uuid:1>"},
}
REQUEST_ID = "0f4c3f5e-8d0a-4e35-9f7a-2b1c3d4e5f60"
DELETE = object()


def produced(**changes):
    """What a runtime that agrees with RECORDED gives, with ``changes`` applied (``a__b=v``: the key b of a becomes v)."""
    value: dict[str, Any] = {
        "version": "1.0",
        "timestamp": "2026-01-02T03:04:05.678Z",
        "requestContext": {
            "requestId": REQUEST_ID,
            "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:orders-First:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 1,
        },
        "responsePayload": {"errorMessage": "boom", "requestId": REQUEST_ID},
    }
    for path, new in changes.items():
        *parents, last = path.split("__")
        target: Any = value
        for parent in parents:
            target = target[parent]
        if new is DELETE:
            del target[last]
        else:
            target[last] = new
    return value


def test_a_value_with_every_placeholder_in_its_format_matches():
    # GIVEN a record with a UUID, an ISO time, an ARN with account, region and a name in it
    # WHEN the runtime's record has real values of those formats and the same fixed values
    found = differences(RECORDED, produced())
    # THEN nothing differs
    assert found == []


def test_a_missing_key_is_reported_at_its_path():
    # GIVEN the record without its version
    found = differences(RECORDED, produced(version=DELETE))
    # THEN the path names the key and the recorded value
    assert [str(d) for d in found] == ['$.version: expected "1.0", got nothing (missing)']


def test_a_key_aws_did_not_send_is_reported():
    # GIVEN a success record that carries a functionError key AWS leaves out
    found = differences(RECORDED, produced(requestContext__functionError="Unhandled"))
    # THEN it is a difference, though every recorded key is there
    assert [str(d) for d in found] == [
        '$.requestContext.functionError: expected nothing, got "Unhandled" (a key AWS did not send)'
    ]


def test_a_value_of_another_type_is_reported_even_when_it_reads_the_same():
    # GIVEN an invoke count given as the string "1" where AWS gave the number 1
    found = differences(RECORDED, produced(requestContext__approximateInvokeCount="1"))
    # THEN the type is the difference
    assert [(d.path, d.problem) for d in found] == [
        ("$.requestContext.approximateInvokeCount", "a string where AWS gave a number")
    ]


def test_a_fixed_value_must_be_the_recorded_one():
    # GIVEN the condition of another outcome
    found = differences(RECORDED, produced(requestContext__condition="ZeroReservedConcurrency"))
    # THEN it is reported with both values
    assert [str(d) for d in found] == [
        '$.requestContext.condition: expected "RetriesExhausted", got "ZeroReservedConcurrency" (another value)'
    ]


def test_one_uuid_reference_must_be_one_value_wherever_it_appears():
    # GIVEN the error payload's requestId is not the record's requestId (both <uuid:1> in the recording)
    other = "11111111-2222-4333-8444-555555555555"
    found = differences(RECORDED, produced(responsePayload__requestId=other))
    # THEN the second occurrence is reported, naming the first
    assert len(found) == 1
    assert found[0].path == "$.responsePayload.requestId"
    assert (
        found[0].problem == f'not the value at $.requestContext.requestId ("{REQUEST_ID}"), where AWS\'s was the same'
    )


def test_two_uuid_references_must_be_two_values():
    # GIVEN a recording in which the message id (<uuid:2>) differs from the request id (<uuid:1>)
    recorded = {"requestId": "<uuid:1>", "MessageId": "<uuid:2>"}
    # WHEN the runtime uses one id for both
    found = differences(recorded, {"requestId": REQUEST_ID, "MessageId": REQUEST_ID})
    # THEN that is a difference
    assert [d.problem for d in found] == ["the same value as <uuid:1> at $.requestId, where AWS's differed"]


@pytest.mark.parametrize(
    ("recorded", "got", "problem"),
    [
        ("<uuid:1>", "not-a-uuid", "not a UUID"),
        ("date", "2026-01-02 03:04:05", "not an ISO-8601 time"),
        ("timestamp", "2026-01-02T03:04:05Z", "not epoch milliseconds"),
        ("<m-d5-of-body:1>", "ABC", "not an MD5 (32 hex digits)"),
        ("<log-stream-name:1>", "local/[$LATEST]0f4c3f5e", "not a log stream name (YYYY/MM/DD/[version]hex)"),
        ("<stack-trace>", "Traceback ...", "not a stack trace (a list of strings)"),
    ],
)
def test_a_placeholder_is_checked_by_the_format_of_what_it_replaced(recorded, got, problem):
    # GIVEN a placeholder and a value not of its format
    found = differences({"value": recorded}, {"value": got})
    # THEN the format is named
    assert [d.problem for d in found] == [problem]


def test_the_account_is_one_value_throughout():
    # GIVEN two ARNs of the recording's one account (111111111111)
    recorded = {"queue": "arn:<partition>:sqs:<region>:111111111111:q", "topic": "arn:aws:sns:<region>:111111111111:t"}
    # WHEN the runtime names two accounts
    got = {"queue": "arn:aws:sqs:eu-west-1:123456789012:q", "topic": "arn:aws:sns:eu-west-1:210987654321:t"}
    found = differences(recorded, got)
    # THEN the second one differs
    assert [d.path for d in found] == ["$.topic"]


def test_json_text_of_an_object_is_read_as_the_object_the_snapshot_shows():
    # GIVEN a recorded SQS body, which the snapshot library parsed from its JSON text
    recorded = {"Body": {"raise_error": 1}}
    # WHEN the runtime's body is that JSON text, and then text of another value
    # THEN the first matches; the second differs inside the object
    assert differences(recorded, {"Body": json.dumps({"raise_error": 1})}) == []
    assert [d.path for d in differences(recorded, {"Body": '{"raise_error": 2}'})] == ["$.Body.raise_error"]


def test_key_order_is_compared_only_where_asked_and_not_where_exempted():
    # GIVEN a timeout payload in AWS's wire order, and the runtime's with the keys the other way round
    recorded = {"errorType": "Sandbox.Timedout", "errorMessage": "late"}
    got = {"errorMessage": "late", "errorType": "Sandbox.Timedout"}
    # THEN only an ordered comparison sees it, and an exempted object is not ordered
    assert differences(recorded, got) == []
    assert [d.problem for d in differences(recorded, got, ordered=True)] == ["keys in another order than AWS's"]
    assert differences(recorded, got, ordered=True, unordered=["$"]) == []


def test_ignored_paths_and_everything_below_them_are_left_out():
    # GIVEN a record whose whole responsePayload differs and whose version is missing
    got = produced(responsePayload={"other": True}, version=DELETE)
    # WHEN the responsePayload is ignored
    found = differences(RECORDED, got, ignore=["$.responsePayload"])
    # THEN only the version is reported
    assert [d.path for d in found] == ["$.version"]


def test_the_report_lists_each_difference_on_a_line_of_its_own():
    found = differences(RECORDED, produced(version="2.0", requestContext__approximateInvokeCount=3))
    assert report(found) == (
        "2 difference(s) from AWS's recording:\n"
        '  $.version: expected "1.0", got "2.0" (another value)\n'
        "  $.requestContext.approximateInvokeCount: expected 1, got 3 (another value)"
    )


def test_a_placeholder_without_a_known_format_is_refused_rather_than_accepted():
    with pytest.raises(ValueError, match="no format is known for the placeholder <shoe-size:1>"):
        differences({"size": "<shoe-size:1>"}, {"size": "42"})


@pytest.mark.parametrize("recording", all_recordings(), ids=lambda r: r.file)
def test_every_recording_names_its_snapshot_and_commit_and_uses_known_placeholders(recording):
    assert recording.commit == LOCALSTACK_COMMIT
    assert recording.source_file.startswith("tests/aws/services/") and recording.source_file.endswith(".snapshot.json")
    assert "::" in recording.snapshot_key
    for excerpt in recording.excerpts.values():
        assert excerpt.key_order in ("aws", "alphabetical")
        assert unknown_placeholders(excerpt.value) == []
