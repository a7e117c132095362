"""The execution layer: one handler invoked as the Python runtime would, AWS calls intercepted."""

import io
import os
import re
import signal
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from local_runtime.errors import AwsError
from local_runtime.runtimes.python import LambdaContext, intercept_aws, invoke_handler, load_function, read_payload
from tests.support import FUNCTIONS_DIR


def invoke(handler, event=None, **context_options):
    out = io.StringIO()
    context = LambdaContext(function_name="f", **context_options)
    return invoke_handler(handler, event or {}, context, out=out), out.getvalue()


def test_remaining_time_counts_down_from_the_timeout():
    ticks = iter([100.0, 101.5, 200.0])
    context = LambdaContext(function_name="f", timeout_ms=3_000, clock=lambda: next(ticks))
    assert context.get_remaining_time_in_millis() == 1_500
    assert context.get_remaining_time_in_millis() == 0
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_an_invocation_prints_start_end_and_report_around_the_handlers_logs():
    # GIVEN a handler that logs and prints WHEN invoked with 256 MB
    def handler(event, context):
        import logging

        logging.getLogger().warning("working on %s", event["job"])
        print("plain output")
        return {"ok": True}

    invocation, text = invoke(handler, {"job": 7}, memory_limit_in_mb=256)
    # THEN the log lines sit between START and END in Lambda's format, and REPORT closes it
    request_id = invocation.request_id
    lines = text.splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tworking on 7", lines[1]
    )
    assert lines[2:4] == ["plain output", f"END RequestId: {request_id}"]
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: \d+ MB",
        lines[4],
    )
    assert invocation.result == {"ok": True} and invocation.error is None


def test_an_unhandled_exception_becomes_the_runtimes_error_payload():
    def handler(event, context):
        raise ValueError("event.numbers must be a non-empty list of numbers")

    invocation, text = invoke(handler)
    assert invocation.error["errorMessage"] == "event.numbers must be a non-empty list of numbers"
    assert (invocation.error["errorType"], invocation.error["requestId"]) == ("ValueError", invocation.request_id)
    assert 'raise ValueError("event.numbers must be a non-empty list of numbers")' in invocation.error["stackTrace"][-1]
    assert '{"errorMessage": "event.numbers must be a non-empty list of numbers", "errorType": "ValueError"}' in text


@pytest.fixture
def real_time_timer():
    """The process's real-time timer and its SIGALRM handler, as they were, back after the test.

    pytest-timeout's default method holds them while a test runs: the test's own watchdog.
    """
    delay, interval = signal.getitimer(signal.ITIMER_REAL)
    handler, started = signal.getsignal(signal.SIGALRM), time.monotonic()
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, handler)
    if delay:
        signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - started), 1e-6), interval)


def test_a_watchdog_timer_set_before_an_invocation_runs_on_after_it(real_time_timer):
    # GIVEN a watchdog's timer due in 100 s, on the timer the runtime uses for handler timeouts
    def watchdog(signum, frame):
        raise AssertionError("the watchdog fired early")

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, 100)
    started = time.monotonic()
    # WHEN a handler runs under its own 5 s timeout
    invocation, _ = invoke(lambda event, context: {"ok": True}, timeout_ms=5_000)
    left, _ = signal.getitimer(signal.ITIMER_REAL)
    elapsed = time.monotonic() - started
    # THEN the watchdog still runs, with its own handler, due when it was before the call
    assert invocation.result == {"ok": True}
    assert 100 - elapsed - 0.01 <= left <= 100
    assert signal.getsignal(signal.SIGALRM) is watchdog


def test_a_watchdog_due_before_the_handlers_timeout_fires_with_its_own_handler(real_time_timer):
    # GIVEN a watchdog due in 0.2 s, and a handler that never returns, with a 3 s timeout
    class Barked(BaseException):
        pass

    def watchdog(signum, frame):
        raise Barked()

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, 0.2)

    def handler(event, context):
        while True:
            time.sleep(0.01)

    started = time.monotonic()
    # WHEN it is invoked THEN the watchdog interrupts it when the watchdog is due, not the handler's timeout
    with pytest.raises(Barked):
        invoke(handler, timeout_ms=3_000)
    assert time.monotonic() - started < 3


# Were the interruption broken, the handler would loop until this test's own watchdog stopped it.
@pytest.mark.timeout(60)
def test_a_handler_past_its_timeout_is_interrupted_even_if_it_catches_exceptions():
    def handler(event, context):
        while True:
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001 - the timeout must get through this
                pass

    invocation, _ = invoke(handler, timeout_ms=200)
    assert invocation.error == {
        "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after 0.20 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert invocation.duration_ms >= 200


def test_a_result_that_is_not_json_fails_like_the_runtime():
    invocation, _ = invoke(lambda event, context: {1, 2})
    assert invocation.error["errorType"] == "Runtime.MarshalError"
    assert invocation.result is None


def test_the_functions_environment_is_set_during_the_invocation_only(monkeypatch):
    monkeypatch.delenv("STEP_BUDGET", raising=False)
    seen = []
    out = io.StringIO()
    invoke_handler(
        lambda e, c: seen.append(os.environ.get("STEP_BUDGET")),
        {},
        LambdaContext(),
        out=out,
        environment={"STEP_BUDGET": "3"},
    )
    assert seen == ["3"] and "STEP_BUDGET" not in os.environ


def test_intercepted_boto3_calls_reach_the_callback_and_errors_surface_as_client_errors():
    # GIVEN an interceptor that answers Invoke and refuses everything else
    calls = []

    def answer(service, operation, params):
        calls.append((service, operation, read_payload(params.get("Payload"))))
        if operation != "Invoke":
            raise AwsError("AccessDeniedException", "not here", 403)
        return {"StatusCode": 202}

    # WHEN a client of the default session calls Invoke and then ListFunctions
    with intercept_aws(answer):
        client = boto3.client("lambda")
        response = client.invoke(FunctionName="f", InvocationType="Event", Payload=b'{"a": 1}')
        with pytest.raises(
            ClientError, match=r"\(AccessDeniedException\) when calling the ListFunctions operation: not here"
        ):
            client.list_functions()
    # THEN both reached the callback, with the handler's own arguments
    assert response["StatusCode"] == 202
    assert calls == [("lambda", "Invoke", {"a": 1}), ("lambda", "ListFunctions", None)]


def test_unknown_handlers_are_named_with_the_available_ones():
    with pytest.raises(ValueError, match="unknown function 'third'; available: first, long_job, second"):
        load_function("third", FUNCTIONS_DIR)
