"""What the Python runtime's context object tells a handler, as AWS's introspection recorded it.

Recordings (``recordings/``): ``context_python`` (LocalStack's lambda_/test_lambda_common.snapshot.json,
invoked by name and by the ARN with ``:$LATEST``, 1024 MB) and the context inside
``dest_sqs_success``'s record (128 MB, invoked asynchronously, no ClientContext). Stacks:
``conformance-errors`` (Introspect) and ``conformance-async`` (Integration).
"""

import json

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording
from tests.conformance.runs import run_async


@pytest.fixture(scope="module")
def introspected(conformance_stack):
    """Introspect's context, invoked by name and then by its qualifier $LATEST, in one environment."""
    with Engine(conformance_stack("errors")) as engine:
        by_name = engine.invoke_sync("Introspect", {"simple": "payload"}).result["ctx"]
        by_qualified_arn = engine.invoke_sync("Introspect", {"simple": "payload"}, qualifier="$LATEST").result["ctx"]
    return {"by_name": by_name, "by_qualified_arn": by_qualified_arn}


def test_invoked_by_name_the_context_gives_the_unqualified_arn_and_memory_as_a_string(introspected):
    # GIVEN Introspect: python3.12, 1024 MB, timeout 3 s
    # WHEN it is invoked by name
    # THEN its context: function name and version $LATEST, the unqualified ARN, memory_limit_in_mb
    # "1024" (a string), the request id, the log group, the time left (a whole number)
    recording("context_python")["by_name"].check(introspected["by_name"])


def test_invoked_by_qualified_arn_the_context_echoes_the_qualifier(introspected):
    # WHEN Introspect is invoked by the ARN with :$LATEST
    # THEN invoked_function_arn ends with :$LATEST
    recording("context_python")["by_qualified_arn"].check(introspected["by_qualified_arn"])


def test_an_asynchronous_invoke_has_no_client_context(conformance_stack):
    # GIVEN Integration (128 MB), which answers with its context
    # WHEN it is invoked asynchronously, its success record going to the queue Records
    run = run_async(conformance_stack("async"), "Integration", {})
    (message,) = run.queue_messages["Records"]
    context = json.loads(message["body"])["responsePayload"]["context"]
    # THEN client_context is null, memory_limit_in_mb "128", invoked_function_arn unqualified
    recording("dest_sqs_success")["context"].check(context)
