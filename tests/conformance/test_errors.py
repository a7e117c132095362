"""Synchronous invokes that fail, as Lambda's Invoke answers them: StatusCode 200, FunctionError
Unhandled, ExecutedVersion, and the error payload each runtime writes; and a throttled invoke.

Recordings (``recordings/``): ``error_uncaught_python`` and ``error_uncaught_nodejs``
(LocalStack's lambda_/test_lambda_common.snapshot.json), ``timeout_sandbox_timedout`` and
``sync_throttle_reserved_concurrency_zero``, ``invoke_log_tail_python`` and ``invoke_log_tail_nodejs``
(lambda_/test_lambda.snapshot.json). The recorded tests
invoked with boto3; so does Caller in the stack ``conformance-errors``, which answers with the
response as botocore parsed it (the Payload's text, compared as the JSON it holds).
"""

import base64
import shutil

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording

# Caller reads each function's name from its environment, under these variables (the stack sets them).
TARGETS = {
    "Thrower": "THROWER",
    "NodeThrower": "NODE_THROWER",
    "Sleeper": "SLEEPER",
    "Paused": "PAUSED",
    "LogEcho": "LOG_ECHO",
    "NodeLogEcho": "NODE_LOG_ECHO",
}


@pytest.fixture(scope="module")
def invoke(conformance_stack):
    """``invoke(function, payload)``: Caller's answer for a synchronous invoke of ``function``, made
    once per module (a timeout takes its second of real time)."""
    answers = {}
    with Engine(conformance_stack("errors")) as engine:

        def caller_answer(function, payload, log_type=None):
            key = (function, repr(payload), log_type)
            if key not in answers:
                event = {"Target": TARGETS[function], "Payload": payload}
                if log_type is not None:
                    event["LogType"] = log_type
                invocation = engine.invoke_sync("Caller", event)
                assert invocation.error is None, invocation.error
                answers[key] = invocation.result
            return answers[key]

        yield caller_answer


def test_an_uncaught_python_exception_is_answered_as_recorded(invoke):
    # GIVEN Thrower (python3.12, 1024 MB), raising Exception(f"Failed: {event['error_msg']}")
    # WHEN it is invoked synchronously
    response = invoke("Thrower", {"error_msg": "some_error_msg"})
    # THEN StatusCode 200, FunctionError Unhandled, ExecutedVersion $LATEST, and the payload
    # errorMessage, errorType, requestId, stackTrace in that order
    recording("error_uncaught_python")["response"].check(response)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_an_uncaught_nodejs_error_is_answered_as_recorded(invoke):
    # GIVEN NodeThrower (nodejs20.x, 1024 MB), an async handler throwing Error(`Error: ${event.error_msg}`)
    response = invoke("NodeThrower", {"error_msg": "some_error_msg"})
    # THEN the payload is errorType, errorMessage, trace (not stackTrace, no requestId)
    recording("error_uncaught_nodejs")["response"].check(response)


def test_a_timeout_payload_lists_its_error_type_first(invoke):
    # GIVEN Sleeper's timeout
    response = invoke("Sleeper", {"wait": 2})
    # THEN the payload's keys come in AWS's order too
    recording("timeout_sandbox_timedout")["response"].check(response)


def test_a_throttled_synchronous_invoke_gives_the_reason(invoke):
    # GIVEN Paused's refusal
    response = invoke("Paused", {})
    # THEN it names why: the function's reserved concurrency
    recording("sync_throttle_reserved_concurrency_zero")["response"].check(response)


def decoded_lines(log_result):
    return base64.b64decode(log_result).decode().splitlines(keepends=True)


def test_a_python_invoke_with_log_type_tail_returns_its_log_as_recorded(invoke):
    # GIVEN LogEcho (python3.12, 128 MB), printing the event as JSON, not yet invoked (a cold start)
    # WHEN Caller invokes it with Payload {} and LogType Tail
    response = invoke("LogEcho", {}, log_type="Tail")
    # THEN the response has LogResult (base64) beside StatusCode 200, ExecutedVersion and the payload {}
    recording("invoke_log_tail_python")["invoke"].check(response)
    # AND it decodes to START, the handler's line, END and REPORT with Init Duration, each field
    # of REPORT ending with a tab
    recording("invoke_log_tail_python")["logs"].check({"logs": decoded_lines(response["LogResult"])})


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_a_nodejs_invoke_with_log_type_tail_returns_its_log_as_recorded(invoke):
    # GIVEN NodeLogEcho (nodejs20.x, 128 MB), console.log(event), not yet invoked
    response = invoke("NodeLogEcho", {}, log_type="Tail")
    recording("invoke_log_tail_nodejs")["invoke"].check(response)
    # THEN console.log's line carries its time, the request id and INFO
    recording("invoke_log_tail_nodejs")["logs"].check({"logs": decoded_lines(response["LogResult"])})


def test_log_type_tail_returns_only_the_last_4_kb_of_the_log(invoke):
    # GIVEN LogEcho printing an event of 6,000 characters
    text = "x" * 6000
    # WHEN Caller invokes it with LogType Tail
    response = invoke("LogEcho", {"text": text}, log_type="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    # THEN LogResult holds the log's last 4,096 bytes: the end of the printed line, END and REPORT
    assert len(log.encode()) == 4096
    assert not log.startswith("START") and log.startswith("x")
    assert log.splitlines()[-2].startswith("END RequestId: ")
    assert log.splitlines()[-1].startswith("REPORT RequestId: ")


def test_without_log_type_an_invoke_returns_no_log_result(invoke):
    # WHEN Caller invokes LogEcho without LogType (AWS's default, None)
    response = invoke("LogEcho", {"plain": True})
    # THEN the response has no LogResult
    assert "LogResult" not in response
    assert response["StatusCode"] == 200


def test_a_log_type_outside_its_enum_is_refused_as_the_api_validates_it(invoke):
    # WHEN Caller invokes LogEcho with LogType "Head"
    response = invoke("LogEcho", {}, log_type="Head")
    # THEN Lambda's ValidationException, naming the value, the field and the allowed ones
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'Head' at 'logType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [None, Tail]",
    }
    assert response["ResponseMetadata"] == {"HTTPStatusCode": 400}
