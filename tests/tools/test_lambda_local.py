"""The local Lambda runner: context, chain following, and the records AWS would deliver."""

import io
import re

import pytest

from tools.lambda_local import (
    Invocation,
    LambdaContext,
    LocalLambdaClient,
    LocalRunner,
    apply_input_path,
    destination_record,
    eventbridge_event,
    load_function,
)


def test_remaining_time_counts_down_from_the_timeout():
    ticks = iter([100.0, 101.5, 200.0])
    context = LambdaContext(function_name="f", timeout_ms=3_000, clock=lambda: next(ticks))
    assert context.get_remaining_time_in_millis() == 1_500
    assert context.get_remaining_time_in_millis() == 0
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_each_hop_prints_start_end_and_report_lines(monkeypatch):
    # GIVEN a chain of 3 hops
    monkeypatch.setenv("STEP_BUDGET", "1")
    out = io.StringIO()
    runner = LocalRunner("long_job", out=out, memory_mb=256)
    # WHEN it runs
    hops = runner.run_chain({"n": 150_000})
    # THEN every hop has START, END and a REPORT with duration and memory, with its own request id
    text = out.getvalue()
    reports = re.findall(r"^REPORT RequestId: (\S+)\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB$", text, re.M)
    assert reports == [h.request_id for h in hops] and len(hops) == 3
    assert re.findall(r"^START RequestId: (\S+) Version: \$LATEST$", text, re.M) == reports
    assert re.findall(r"^END RequestId: (\S+)$", text, re.M) == reports


def test_an_unhandled_error_is_reported_like_lambda_and_kept_on_the_invocation():
    out = io.StringIO()
    invocation = LocalRunner("first", out=out).invoke({"numbers": []})
    assert invocation.error["errorType"] == "ValueError"
    assert '{"errorMessage": "event.numbers must be a non-empty list of numbers", "errorType": "ValueError"}' in out.getvalue()


def test_the_local_client_refuses_synchronous_invokes():
    with pytest.raises(ValueError, match="only supports InvocationType='Event'; got 'RequestResponse'"):
        LocalLambdaClient().invoke(FunctionName="f", Payload=b"{}")


def test_a_chain_that_never_ends_is_stopped(monkeypatch):
    monkeypatch.setenv("STEP_BUDGET", "1")
    runner = LocalRunner("long_job", max_invocations=3)
    with pytest.raises(RuntimeError, match="stopped after 3 local invocations"):
        runner.run_chain({"n": 10 * 50_000})


def test_unknown_functions_are_named_with_the_available_ones():
    with pytest.raises(ValueError, match="unknown function 'third'; available: first, long_job, second"):
        load_function("third")


def test_a_success_record_has_the_shape_lambda_delivers():
    record = destination_record("first", Invocation(request_id="r1", event={"numbers": [1]}, result={"sum": 1}))
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"}
    assert record["requestContext"] == {
        "requestId": "r1",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:first:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert (record["requestPayload"], record["responsePayload"]) == ({"numbers": [1]}, {"sum": 1})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])


def test_a_failure_record_carries_the_error_and_function_error():
    error = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}
    record = destination_record("first", Invocation(request_id="r2", event={}, error=error), attempts=3)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"] == error


def test_the_eventbridge_event_matches_the_rule_and_its_input_path_yields_the_payload():
    record = destination_record("first", Invocation(request_id="r3", event={}, result={"sum": 6}))
    event = eventbridge_event(record)
    assert (event["source"], event["detail-type"]) == ("lambda", "Lambda Function Invocation Result - Success")
    assert event["resources"] == ["arn:aws:lambda:us-east-1:123456789012:function:first:$LATEST"]
    assert apply_input_path(event, "$.detail.responsePayload") == {"sum": 6}
