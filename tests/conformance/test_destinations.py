"""The records of asynchronous invocations, as AWS sends them to an SQS queue and an EventBridge bus.

Recordings (``recordings/``): ``dest_sqs_*`` from LocalStack's
``tests/aws/services/lambda_/test_lambda_destinations.snapshot.json`` and
``test_lambda.snapshot.json`` (reserved concurrency 0), ``dest_eventbridge`` from the former's
TestLambdaDestinationEventbridge. Stack: ``conformance-async``, each function configured as the
recorded test configured its own. Each record is compared whole, with the handler's answer; the
context inside a success record is compared in ``test_context.py``.
"""

import json

import pytest

from tests.conformance.recorded import recording
from tests.conformance.runs import received, run_async

CONTEXT = "$.Body.responsePayload.context"


@pytest.fixture(scope="module")
def invoked(conformance_stack):
    """``invoked(function, payload)``: the run of one asynchronous invoke, run once per module."""
    stack, runs = conformance_stack("async"), {}

    def run(function, payload):
        key = (function, repr(payload))
        if key not in runs:
            runs[key] = run_async(stack, function, payload)
        return runs[key]

    return run


def record_in_queue(run):
    """The one message the run left in the destination queue, as ReceiveMessage gives it."""
    (message,) = run.queue_messages["Records"]
    return received(message)


def test_a_success_record_is_as_recorded(invoked):
    # GIVEN Integration: MaximumRetryAttempts 0, on success and on failure the queue Records
    # WHEN it is invoked asynchronously with {} and answers
    message = record_in_queue(invoked("Integration", {}))
    # THEN the queue holds AWS's record: version 1.0, its time, the requestContext (functionArn with
    # :$LATEST, Success, approximateInvokeCount 1), the request, a responseContext without
    # functionError, the handler's answer; the message has no attributes
    recording("dest_sqs_success")["message"].check(message, ignore=(CONTEXT,))


def test_a_failure_record_after_no_retries_is_as_recorded(invoked):
    # GIVEN Integration (MaximumRetryAttempts 0)
    # WHEN its handler raises
    message = record_in_queue(invoked("Integration", {"raise_error": 1}))
    # THEN the record says RetriesExhausted after 1 attempt, statusCode 200 with functionError
    # Unhandled, and the Python error (errorMessage, errorType, requestId = the record's, stackTrace)
    recording("dest_sqs_failure_retries0")["message"].check(message)


def test_a_failure_record_after_the_default_retries_counts_three_attempts(invoked):
    # GIVEN DefaultRetries: an invoke config with destinations only
    # WHEN every attempt fails
    message = record_in_queue(invoked("DefaultRetries", {"raise_error": 1}))
    # THEN the record says RetriesExhausted with approximateInvokeCount 3
    recording("dest_sqs_failure_default_retries")["message"].check(message)


def test_a_failure_record_after_two_retries_counts_three_attempts(invoked):
    # GIVEN EchoFail: MaximumRetryAttempts 2, failures to the queue
    # WHEN every attempt fails
    message = record_in_queue(invoked("EchoFail", {"message": "retries-2"}))
    # THEN RetriesExhausted with approximateInvokeCount 3, the last attempt's error as the response
    recording("dest_sqs_failure_retries2")["message"].check(message)


def test_all_attempts_of_an_event_share_its_request_id(invoked):
    # GIVEN EchoFail's three failed attempts (the recorded test asserted one aws_request_id for all)
    run = invoked("EchoFail", {"message": "retries-2"})
    # THEN each attempt ran with the request id the record names
    record = json.loads(record_in_queue(run)["Body"])
    attempts = [i for i in run.invocations if i["function"] == "EchoFail"]
    assert [i["attempt"] for i in attempts] == [1, 2, 3]
    assert {i["request_id"] for i in attempts} == {record["requestContext"]["requestId"]}


def test_an_event_older_than_60_seconds_is_not_retried(invoked):
    # GIVEN AgeSixty: MaximumRetryAttempts 2, MaximumEventAgeInSeconds 60
    # WHEN its first attempt fails (the first retry would come 60 s later)
    message = record_in_queue(invoked("AgeSixty", {"message": "max-age-60"}))
    # THEN the record says EventAgeExceeded after 1 attempt
    recording("dest_sqs_event_age_exceeded")["max_age_60"].check(message)


def test_an_event_older_than_90_seconds_is_retried_once(invoked):
    # GIVEN AgeNinety: MaximumRetryAttempts 2, MaximumEventAgeInSeconds 90
    # WHEN both attempts fail (the second retry would come 120 s after the first)
    message = record_in_queue(invoked("AgeNinety", {"message": "max-age-90"}))
    # THEN the record says EventAgeExceeded after 2 attempts
    recording("dest_sqs_event_age_exceeded")["max_age_90"].check(message)


def test_a_function_with_reserved_concurrency_0_names_that_as_the_condition(invoked):
    # GIVEN Paused (reserved concurrency 0), invoked asynchronously
    message = record_in_queue(invoked("Paused", {}))
    # THEN the whole record is AWS's, its condition ZeroReservedConcurrency included
    recording("dest_sqs_zero_reserved_concurrency")["message"].check(message)


def triggered_by_bus(run):
    """The event the bus's rule gave Triggered: what the recorded test read from its log."""
    (event,) = run.results_of("Triggered")
    return event


def test_a_success_event_on_a_bus_is_as_recorded(invoked):
    # GIVEN BusInput: both outcomes to a custom bus, MaximumRetryAttempts 0; a rule matching
    # {"version": ["0"]} invokes Triggered
    # WHEN BusInput answers
    event = triggered_by_bus(invoked("BusInput", {"mode": "success"}))
    # THEN Triggered gets AWS's event: source lambda, the detail-type of a success, account,
    # region, id, time, the bus and the function version as resources, and the record as the detail
    recording("dest_eventbridge")["success"].check(event)


def test_a_failure_event_on_a_bus_is_as_recorded(invoked):
    # GIVEN BusInput, whose handler raises on line 4 of index.py as the recorded one did
    event = triggered_by_bus(invoked("BusInput", {"mode": "failure"}))
    # THEN the detail-type of a failure, RetriesExhausted after 1 attempt, the error with its frame
    recording("dest_eventbridge")["failure"].check(event)
