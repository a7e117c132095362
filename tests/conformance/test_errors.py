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


def test_a_timeout_is_answered_with_sandbox_timedout(invoke):
    # GIVEN Sleeper (timeout 1 s), asked to sleep 2 s
    response = invoke("Sleeper", {"wait": 2})
    # THEN the payload is errorType Sandbox.Timedout and "RequestId: <id> Error: Task timed out after 1.00 seconds"
    recording("timeout_sandbox_timedout")["response"].check(response, ordered=False)


@pytest.mark.xfail(
    strict=True,
    reason="$.Payload: AWS writes errorType before errorMessage; the runtime writes errorMessage first",
)
def test_a_timeout_payload_lists_its_error_type_first(invoke):
    # GIVEN Sleeper's timeout
    response = invoke("Sleeper", {"wait": 2})
    # THEN the payload's keys come in AWS's order too
    recording("timeout_sandbox_timedout")["response"].check(response)


def test_a_function_with_reserved_concurrency_0_refuses_a_synchronous_invoke_apart_from_the_reason(invoke):
    # GIVEN Paused: reserved concurrency 0
    response = invoke("Paused", {})
    # THEN Lambda answers 429 TooManyRequestsException "Rate Exceeded.", Type User, and message
    recording("sync_throttle_reserved_concurrency_zero")["response"].check(response, ignore=("$.Reason",))


@pytest.mark.xfail(
    strict=True,
    reason="$.Reason: AWS answers ReservedFunctionConcurrentInvocationLimitExceeded; the runtime's answer has no Reason",
)
def test_a_throttled_synchronous_invoke_gives_the_reason(invoke):
    # GIVEN Paused's refusal
    response = invoke("Paused", {})
    # THEN it names why: the function's reserved concurrency
    recording("sync_throttle_reserved_concurrency_zero")["response"].check(response)
