"""Synchronous invokes that fail, as Lambda's Invoke answers them: StatusCode 200, FunctionError
Unhandled, ExecutedVersion, and the error payload each runtime writes; and a throttled invoke.

Recordings (``recordings/``): ``error_uncaught_python`` and ``error_uncaught_nodejs``
(LocalStack's lambda_/test_lambda_common.snapshot.json), ``timeout_sandbox_timedout`` and
``sync_throttle_reserved_concurrency_zero`` (lambda_/test_lambda.snapshot.json). The recorded tests
invoked with boto3; so does Caller in the stack ``conformance-errors``, which answers with the
response as botocore parsed it (the Payload's text, compared as the JSON it holds).
"""

import shutil

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording

# Caller reads each function's name from its environment, under these variables (the stack sets them).
TARGETS = {"Thrower": "THROWER", "NodeThrower": "NODE_THROWER", "Sleeper": "SLEEPER", "Paused": "PAUSED"}


@pytest.fixture(scope="module")
def invoke(conformance_stack):
    """``invoke(function, payload)``: Caller's answer for a synchronous invoke of ``function``, made
    once per module (a timeout takes its second of real time)."""
    answers = {}
    with Engine(conformance_stack("errors")) as engine:

        def caller_answer(function, payload):
            key = (function, repr(payload))
            if key not in answers:
                invocation = engine.invoke_sync("Caller", {"Target": TARGETS[function], "Payload": payload})
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
