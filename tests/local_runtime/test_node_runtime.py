"""Node.js handlers run through the engine with the machine's node, as Lambda's Node.js runtimes run them.

The stacks are the corpus' (tests/corpus/): the TerraConstructs app's NodejsFunctions, and the
provider-class stack `node` (an ES module, a "type": "module" package, a callback handler, one that
times out, one that invokes itself with the SDK v3 and writes to DynamoDB, a throw, a crash, missing
code). Each outcome is what AWS documents: attempts, records, what each destination got.
"""

import copy
import io
import re
import shutil

import pytest

from local_runtime.engine import Engine
from local_runtime.errors import EngineError
from local_runtime.model import load_stack, read_stack, stack_file
from local_runtime.runtimes.node import sdk_modules
from tests.support import needs

pytestmark = needs(shutil.which("node") is not None, "node")
needs_sdk = needs(sdk_modules() is not None, "the AWS SDK the local runtime gives Node.js handlers")
ARN = "arn:aws:lambda:eu-west-1:123456789012:function"
REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def node_stack(provider_classes_outdir):
    return load_stack(stack_file(provider_classes_outdir, "node"))


@pytest.fixture(scope="module")
def terraconstructs(terraconstructs_outdir):
    return {name: load_stack(stack_file(terraconstructs_outdir, name)) for name in ("A", "B", "C")}


def run(stack, function, payload, **options):
    log = io.StringIO()
    with Engine(stack, out=log, **options) as engine:
        result = engine.invoke_async(function, payload)
    return result, log.getvalue()


def attempts(result):
    return [(i["function"], i["attempt"], i["status"], i["error_type"]) for i in result.invocations]


# --- the TerraConstructs app, end to end -----------------------------------------------------------------


def test_terraconstructs_first_sends_its_record_to_second(terraconstructs):
    result, log = run(terraconstructs["A"], "First", {"numbers": [1, 2, 3]})
    # THEN both NodejsFunctions ran once, Second with the whole record, and their console output is in the log
    assert attempts(result) == [("First", 1, "success", None), ("Second", 1, "success", None)]
    assert result.invocations[0]["result"] == {"count": 3, "sum": 6, "min": 1, "max": 3}
    assert result.invocations[1]["result"] == {"accepted": True, "shape": "invocation-record"}
    first_id = result.invocations[0]["request_id"]
    assert re.search(
        rf"\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{first_id}\tINFO\t"
        r'\{"message":"summarized","count":3,"sum":6,"invocations":1\}',
        log,
    )


def test_terraconstructs_failures_are_retried_once_then_queued(terraconstructs):
    # GIVEN retryAttempts 1 and failures to a queue WHEN First fails
    result, _ = run(terraconstructs["A"], "First", {"numbers": "x"})
    # THEN two attempts 60 s apart, and the record carries the Node.js runtime's error shape
    assert attempts(result) == [("First", 1, "error", "TypeError"), ("First", 2, "error", "TypeError")]
    assert 60 <= result.virtual_seconds < 61
    (record,) = result.queues["Failures"]
    error = record["responsePayload"]
    assert (error["errorType"], error["errorMessage"]) == (
        "TypeError",
        "event.numbers must be a non-empty list of numbers",
    )
    assert error["trace"][0] == "TypeError: event.numbers must be a non-empty list of numbers"
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_terraconstructs_successes_reach_the_queue_and_failures_second(terraconstructs):
    success, _ = run(terraconstructs["B"], "First", {"numbers": [4]})
    failure, _ = run(terraconstructs["B"], "First", {"numbers": []})
    assert [m["responsePayload"]["sum"] for m in success.queues["Results"]] == [4]
    assert attempts(failure) == [("First", 1, "error", "TypeError"), ("Second", 1, "success", None)]


def test_terraconstructs_response_only_rules_pass_second_the_payload_or_the_error(terraconstructs):
    success, _ = run(terraconstructs["C"], "First", {"numbers": [2, 2]})
    failure, _ = run(terraconstructs["C"], "First", {"numbers": None})
    assert success.invocations[1]["result"] == {"accepted": True, "shape": "response-payload"}
    (to_second,) = [d for d in failure.deliveries if d["destination"] == "Second"]
    assert (to_second["source"], to_second["payload"]["errorType"]) == ("First/EventInvokeConfig/Failure", "TypeError")
    assert attempts(failure) == [("First", 1, "error", "TypeError"), ("Second", 1, "success", None)]


# --- handler kinds -------------------------------------------------------------------------------------


def test_an_es_module_handler_gets_lambdas_context(node_stack):
    result, log = run(node_stack, "EsModule", {"n": 1})
    (invocation,) = result.invocations
    assert invocation["result"] == {
        "invocations": 1,
        "event": {"n": 1},
        "context": {
            "functionName": "node-EsModule",
            "functionVersion": "$LATEST",
            "invokedFunctionArn": f"{ARN}:node-EsModule",
            "memoryLimitInMB": "128",
            "awsRequestId": invocation["request_id"],
            "logGroupName": "/aws/lambda/node-EsModule",
            "remainingBelowTimeout": True,
        },
    }
    assert re.search(rf"\t{invocation['request_id']}\tINFO\tinvocation 1 of node-EsModule\n", log)
    assert re.search(
        r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
        r"Max Memory Used: \d+ MB\tInit Duration: [\d.]+ ms",
        log,
    )


def test_a_type_module_package_loads_its_js_file_as_an_es_module(node_stack):
    result, log = run(node_stack, "TypeModule", {"n": 2})
    assert result.invocations[0]["result"] == {"module": "esm", "file": "app.js", "event": {"n": 2}}
    assert "\tWARN\tloaded as an ES module" in log


def test_a_callback_handler_answers_with_what_it_passes_to_the_callback(node_stack):
    result, _ = run(node_stack, "Callback", {"n": 21})
    assert result.invocations[0]["result"] == {"doubled": 42}


def test_module_state_lives_on_in_a_warm_environment_and_not_past_a_timeout(node_stack):
    # GIVEN one engine, whose invocations one after the other find the function's environment warm
    with Engine(node_stack, out=io.StringIO()) as engine:
        warm = [engine.invoke_async("Slow", {}).invocations[-1]["result"] for _ in range(2)]
        timed_out = engine.invoke_async("Slow", {"sleepMs": 5000}).invocations[-1]
        after = engine.invoke_async("Slow", {}).invocations[-1]["result"]
    # THEN the module's counter survives warm invocations, the engine stops the one past its 1 s timeout,
    # and the next invocation starts a new process, with a new counter
    assert warm == [{"invocations": 1}, {"invocations": 2}]
    assert timed_out["error_type"] == "Sandbox.Timedout"
    assert timed_out["result"]["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert timed_out["duration_ms"] == 1000
    assert after == {"invocations": 1}


def test_the_timeout_counts_from_the_end_of_the_init_as_on_lambda(node_stack):
    # GIVEN a module that takes 1.5 s to load, and a 1 s timeout
    result, _ = run(node_stack, "SlowInit", {})
    # THEN the invocation succeeds: the init had time of its own, and the handler its whole second
    (invocation,) = result.invocations
    assert invocation["status"] == "success", invocation["result"]
    assert invocation["result"]["initMs"] >= 1500
    assert 0 < invocation["result"]["remainingMs"] <= 1000
    assert invocation["duration_ms"] < 1000


def test_a_handler_that_never_finishes_is_stopped_at_its_timeout_and_its_event_goes_on(node_stack):
    result, log = run(node_stack, "Sleeper", {})
    assert attempts(result) == [("Sleeper", 1, "error", "Sandbox.Timedout")]
    assert "\tINFO\tsleeping" in log
    (record,) = result.queues["Failures"]
    assert record["responsePayload"]["errorType"] == "Sandbox.Timedout"


@pytest.mark.parametrize(
    ("function", "error_type", "message"),
    [
        ("MissingExport", "Runtime.HandlerNotFound", "index.nothere is undefined or not exported"),
        ("MissingModule", "Runtime.ImportModuleError", "Error: Cannot find module 'nothere'\n"),
        ("Thrower", "TypeError", "the order has no items"),
    ],
)
def test_code_that_cannot_load_or_throws_fails_as_the_nodejs_runtime_reports_it(
    node_stack, function, error_type, message
):
    result, _ = run(node_stack, function, {})
    assert attempts(result) == [(function, 1, "error", error_type)]
    (record,) = result.queues["Failures"]
    assert record["responsePayload"]["errorType"] == error_type
    assert record["responsePayload"]["errorMessage"].startswith(message)


def test_a_process_that_exits_fails_each_attempt_and_a_new_one_starts(node_stack):
    # GIVEN default retries WHEN the handler ends its process every time
    result, log = run(node_stack, "Crasher", {})
    # THEN three attempts, each a cold start, each Runtime.ExitError with the exit status
    assert attempts(result) == [("Crasher", n, "error", "Runtime.ExitError") for n in (1, 2, 3)]
    assert result.invocations[0]["result"]["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    assert log.count("Init Duration:") == 3


# --- the SDK v3 through the engine's endpoint --------------------------------------------------------------


@needs_sdk
def test_a_handler_invokes_itself_with_the_sdk_and_writes_to_dynamodb_as_its_role(node_stack):
    # GIVEN a three-hop chain WHEN it starts
    result, log = run(node_stack, "SelfInvoker", {"chain": "c-1", "hops": 3})
    # THEN each hop wrote its item and invoked the next as an Event (202), allowed by its role
    assert [i["result"] for i in result.invocations] == [
        {"chain": "c-1", "handedOff": 1, "status": 202},
        {"chain": "c-1", "handedOff": 2, "status": 202},
        {"chain": "c-1", "finished": 2},
    ]
    assert result.tables == {
        "Hops": [{"chain": "c-1", "hop": 0}, {"chain": "c-1", "hop": 1}, {"chain": "c-1", "hop": 2}]
    }
    assert log.count("SelfInvoker invoked SelfInvoker asynchronously (allowed: lambda:InvokeFunction") == 2


@needs_sdk
def test_an_sdk_call_the_role_does_not_allow_fails_in_the_handler_as_on_aws(node_stack):
    # GIVEN the role's grant on the table removed
    document = copy.deepcopy(node_stack.document)
    grants = document["resource"]["aws_iam_role_policy"]["Grants"]
    grants["policy"] = grants["policy"].replace('"dynamodb:PutItem"', '"dynamodb:GetItem"')
    stack = read_stack("node", document, directory=node_stack.directory)
    # WHEN the chain starts THEN the SDK raises AccessDeniedException and the event goes to the failure queue
    result, _ = run(stack, "SelfInvoker", {"chain": "c-2", "hops": 3})
    (invocation,) = result.invocations
    assert invocation["error_type"] == "AccessDeniedException"
    assert invocation["result"]["errorMessage"] == (
        "User: arn:aws:sts::123456789012:assumed-role/node-Role/node-SelfInvoker is not authorized to perform: "
        "dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/node-hops because no "
        "identity-based policy allows the dynamodb:PutItem action"
    )
    assert len(result.queues["Failures"]) == 1


def test_a_runtime_the_engine_cannot_run_is_refused_naming_what_it_runs(node_stack):
    document = copy.deepcopy(node_stack.document)
    document["resource"]["aws_lambda_function"]["EsModule"]["runtime"] = "java21"
    stack = read_stack("node", document, directory=node_stack.directory)
    with (
        Engine(stack, out=io.StringIO()) as engine,
        pytest.raises(
            EngineError, match=r"function EsModule runs java21: the local runtime runs python3\.9, .*nodejs22\.x"
        ),
    ):
        engine.invoke_async("EsModule", {})
