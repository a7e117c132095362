"""The local async engine runs each synthesized stack as Lambda would, from cdk.tf.json and its archives."""

import copy
import io
import json
import os
import re
from pathlib import Path

import pytest
from cdktf import App

from local_runtime.engine import Engine
from local_runtime.model import load_stack, read_stack, stack_file
from stacks import SelfInvokingStack, Settings
from tests.support import UUID4

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = "lambda-async-dev"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
CHUNK = 50_000
RECORD_KEYS = {"version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"}
FUNCTION_EVENTS = Path(__file__).resolve().parents[1] / "functions" / "events"


def arn(stack, function):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-{stack}-{function}"


def sum_of_squares(n):
    return n * (n - 1) * (2 * n - 1) // 6


@pytest.fixture(scope="module")
def stacks(synthesized_app):
    names = ("function-destination", "sqs-destination", "response-only", "self-invoking")
    return {name: load_stack(stack_file(synthesized_app, name)) for name in names}


@pytest.fixture(scope="module")
def stacks_with_api(synthesized_app):
    return load_stack(stack_file(synthesized_app, "long-job-api"))


@pytest.fixture(scope="module")
def self_invoking_without_recursion_config(tmp_path_factory):
    """The self-invoking stack synthesized as with LAMBDA_RECURSION_CONFIG=off."""
    outdir = tmp_path_factory.mktemp("recursion-off")
    app = App(outdir=str(outdir))
    SelfInvokingStack(app, "self-invoking", settings=Settings(recursion_config=False))
    app.synth()
    return load_stack(stack_file(outdir, "self-invoking"))


def edited(stack, edit):
    """A copy of the stack's JSON changed by ``edit(document)``, with the same code archives."""
    document = copy.deepcopy(stack.document)
    edit(document)
    return read_stack(stack.name, document, directory=stack.directory)


def run(stack, function, payload, **options):
    log = io.StringIO()
    with Engine(stack, out=log, **options) as engine:
        result = engine.invoke_async(function, payload)
    return result, log.getvalue()


def attempts(result):
    return [(i["function"], i["attempt"], i["status"], i["error_type"]) for i in result.invocations]


def only_resource(document, type_):
    (body,) = document["resource"][type_].values()
    return body


def policy_of(document, function):
    """The default policy document of ``function`` (a data source body)."""
    (body,) = [
        b
        for b in document["data"]["aws_iam_policy_document"].values()
        if b["//"]["metadata"]["path"].endswith(f"/{function}/DefaultPolicyDocument/Resource")
    ]
    return body


# --- function-destination ----------------------------------------------------------------------------


def test_function_destination_success_invokes_second_with_the_full_success_record(stacks):
    # GIVEN First → Second WHEN First is invoked asynchronously with good numbers
    result, log = run(stacks["function-destination"], "First", {"numbers": [1, 2, 3]})
    # THEN First runs once, Second once, with the record Lambda builds for a success
    assert attempts(result) == [("First", 1, "success", None), ("Second", 1, "success", None)]
    (delivery,) = result.deliveries
    assert {
        k: delivery[k] for k in ("source", "condition", "destination_kind", "destination", "allowed", "reason")
    } == {
        "source": "First",
        "condition": "Success",
        "destination_kind": "lambda",
        "destination": "Second",
        "allowed": True,
        "reason": None,
    }
    record = delivery["payload"]
    assert set(record) == RECORD_KEYS and record["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
    assert record["requestContext"] == {
        "requestId": result.invocations[0]["request_id"],
        "functionArn": f"{arn('function-destination', 'First')}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"numbers": [1, 2, 3]}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"count": 3, "sum": 6, "mean": 2.0, "min": 1, "max": 3}
    # AND Second recognises it as an invocation record
    assert result.invocations[1]["result"] == {"accepted": True, "shape": "invocation-record"}
    assert (result.dropped, result.queues) == ([], {})


def test_function_destination_failure_runs_first_three_times_then_drops_the_event(stacks):
    # GIVEN a configuration with only on_success WHEN First fails on every attempt
    result, log = run(stacks["function-destination"], "First", {"numbers": [1, "x"]})
    # THEN Lambda's defaults apply: 3 attempts, 1 and 2 minutes apart, and Second is never invoked
    assert attempts(result) == [("First", n, "error", "ValueError") for n in (1, 2, 3)]
    assert "retry in 60 s" in log and "retry in 120 s" in log
    assert 180 <= result.virtual_seconds < 181
    assert result.deliveries == []
    assert result.dropped == [
        {
            "function": "First",
            "reason": "RetriesExhausted after 3 attempt(s) and no on-failure destination: Lambda discards the event",
        }
    ]


def test_a_removed_grant_makes_the_destination_delivery_denied(stacks):
    # GIVEN First's permission to invoke Second removed from a copy of the JSON
    def remove_grant(document):
        policy = policy_of(document, "First")
        policy["statement"] = [s for s in policy["statement"] if s["actions"] != ["lambda:InvokeFunction"]]

    broken = edited(stacks["function-destination"], remove_grant)
    # WHEN First succeeds
    result, _ = run(broken, "First", {"numbers": [5]})
    # THEN the record is not delivered, naming the missing action and resource, and Second never runs
    second = arn("function-destination", "Second")
    reason = f"role First/ServiceRole does not allow lambda:InvokeFunction on {second}"
    assert [(d["destination"], d["allowed"], d["reason"]) for d in result.deliveries] == [("Second", False, reason)]
    assert attempts(result) == [("First", 1, "success", None)]
    assert result.dropped == [{"function": "First", "reason": f"Success record not delivered: {reason}"}]


# --- sqs-destination ---------------------------------------------------------------------------------


def test_sqs_destination_success_puts_the_record_on_the_queue(stacks):
    result, _ = run(stacks["sqs-destination"], "First", {"numbers": [5]})
    assert attempts(result) == [("First", 1, "success", None)]
    (message,) = result.queues["Queue"]
    assert message["requestContext"]["condition"] == "Success"
    assert (message["requestPayload"], message["responsePayload"]["sum"]) == ({"numbers": [5]}, 5)
    assert [(d["destination_kind"], d["destination"], d["allowed"]) for d in result.deliveries] == [
        ("sqs", "Queue", True)
    ]


def test_sqs_destination_failure_leaves_the_queue_empty(stacks):
    # GIVEN only on_success → queue WHEN First fails THEN nothing reaches the queue: the event is dropped
    result, _ = run(stacks["sqs-destination"], "First", {"numbers": []})
    assert attempts(result) == [("First", n, "error", "ValueError") for n in (1, 2, 3)]
    assert result.queues == {}
    assert result.dropped[0]["reason"].startswith("RetriesExhausted after 3 attempt(s) and no on-failure destination")


def test_an_event_older_than_the_maximum_age_is_discarded_before_its_retry(stacks):
    # GIVEN a copy where events may be at most 60 s old WHEN First fails
    def max_age_60(document):
        only_resource(document, "aws_lambda_function_event_invoke_config")["maximum_event_age_in_seconds"] = 60

    result, _ = run(edited(stacks["sqs-destination"], max_age_60), "First", {"numbers": []})
    # THEN the retry due after 60 s would find the event too old: one attempt, EventAgeExceeded at once
    assert attempts(result) == [("First", 1, "error", "ValueError")]
    assert result.dropped == [
        {
            "function": "First",
            "reason": "EventAgeExceeded after 1 attempt(s) and no on-failure destination: Lambda discards the event",
        }
    ]
    assert result.virtual_seconds < 1


def test_an_event_whose_second_retry_would_be_too_old_gets_two_attempts(stacks):
    # GIVEN events may be at most 90 s old WHEN First fails (retries due after 60 s, then 120 s more)
    def max_age_90(document):
        only_resource(document, "aws_lambda_function_event_invoke_config")["maximum_event_age_in_seconds"] = 90

    result, _ = run(edited(stacks["sqs-destination"], max_age_90), "First", {"numbers": []})
    # THEN as AWS recorded it: the first retry runs, the second would be too old: EventAgeExceeded after 2
    assert attempts(result) == [("First", 1, "error", "ValueError"), ("First", 2, "error", "ValueError")]
    assert result.dropped[0]["reason"].startswith("EventAgeExceeded after 2 attempt(s)")


# --- response-only -----------------------------------------------------------------------------------


def test_response_only_success_reaches_second_with_only_the_response_payload(stacks):
    result, _ = run(stacks["response-only"], "First", {"numbers": [2, 4]})
    # THEN the record goes to the default bus as Lambda's EventBridge event ...
    bus, rule = result.deliveries
    assert (bus["source"], bus["destination_kind"], bus["destination"], bus["allowed"]) == (
        "First",
        "eventbridge",
        DEFAULT_BUS,
        True,
    )
    event = bus["payload"]
    assert (event["source"], event["detail-type"]) == ("lambda", "Lambda Function Invocation Result - Success")
    assert event["resources"] == [DEFAULT_BUS, f"{arn('response-only', 'First')}:$LATEST"]
    assert event["detail"]["requestContext"]["condition"] == "Success" and set(event["detail"]) == RECORD_KEYS
    # ... the rule matches it and its target receives $.detail.responsePayload
    payload = {"count": 2, "sum": 6, "mean": 3.0, "min": 2, "max": 4}
    assert (rule["source"], rule["destination"], rule["allowed"], rule["payload"]) == (
        "First/EventInvokeConfig/Success/Rule",
        "Second",
        True,
        payload,
    )
    assert attempts(result) == [("First", 1, "success", None), ("Second", 1, "success", None)]
    assert result.invocations[1]["result"] == {"accepted": True, "shape": "response-payload"}
    assert result.buses == {DEFAULT_BUS: [event]}


def test_response_only_failure_puts_nothing_on_the_bus(stacks):
    result, _ = run(stacks["response-only"], "First", {"numbers": [True]})
    assert attempts(result) == [("First", n, "error", "ValueError") for n in (1, 2, 3)]
    assert (result.deliveries, result.buses) == ([], {})
    assert result.dropped[0]["function"] == "First"


def test_a_removed_lambda_permission_stops_the_rule_at_second(stacks):
    broken = edited(stacks["response-only"], lambda document: document["resource"].pop("aws_lambda_permission"))
    result, _ = run(broken, "First", {"numbers": [1]})
    # THEN the bus delivery happens, the rule's delivery to Second is denied, Second never runs
    assert [(d["destination"], d["allowed"]) for d in result.deliveries] == [(DEFAULT_BUS, True), ("Second", False)]
    assert result.deliveries[1]["reason"] == (
        "no lambda permission lets events.amazonaws.com invoke Second from First/EventInvokeConfig/Success/Rule"
    )
    assert attempts(result) == [("First", 1, "success", None)]


def test_a_rule_pattern_for_another_qualifier_matches_nothing(stacks):
    # GIVEN the rule changed to match results of the alias "live" instead of $LATEST
    def other_qualifier(document):
        rule = only_resource(document, "aws_cloudwatch_event_rule")
        rule["event_pattern"] = rule["event_pattern"].replace(":$LATEST", ":live")

    result, _ = run(edited(stacks["response-only"], other_qualifier), "First", {"numbers": [1]})
    # THEN the event reaches the bus but no rule, and Second is not invoked
    assert [d["destination"] for d in result.deliveries] == [DEFAULT_BUS]
    assert result.dropped == [{"function": "First", "reason": f"the event on {DEFAULT_BUS} matched no enabled rule"}]
    assert attempts(result) == [("First", 1, "success", None)]


def test_a_rule_operator_the_engine_does_not_know_is_reported_and_not_matched(stacks):
    def unknown_operator(document):
        rule = only_resource(document, "aws_cloudwatch_event_rule")
        rule["event_pattern"] = json.dumps({"source": [{"sounds-like": "lambda"}]})

    result, _ = run(edited(stacks["response-only"], unknown_operator), "First", {"numbers": [1]})
    assert result.problems == [
        "rule First/EventInvokeConfig/Success/Rule uses the operator 'sounds-like', which the local engine "
        "does not implement: treated as not matching"
    ]
    assert len(result.invocations) == 1


# --- self-invoking -----------------------------------------------------------------------------------


def test_the_self_invoking_chain_ends_with_the_exact_result(stacks):
    # GIVEN a 10-chunk job and 2 chunks per hop
    result, log = run(
        stacks["self-invoking"], "LongJob", {"n": 10 * CHUNK}, environment={"LongJob": {"STEP_BUDGET": "2"}}
    )
    # THEN 5 hops ran, each allowed to invoke the next, and the last one returns the exact sum
    assert attempts(result) == [("LongJob", 1, "success", None)] * 5
    assert log.count("LongJob invoked LongJob asynchronously (allowed: lambda:InvokeFunction") == 4
    final = result.invocations[-1]["result"]
    assert (final["status"], final["hops"], final["result"]) == ("completed", 5, sum_of_squares(10 * CHUNK))
    assert (result.deliveries, result.dropped, result.queues) == ([], [], {})


def test_a_hop_that_raises_sends_its_state_to_the_failure_queue_and_is_not_retried(stacks):
    # GIVEN a continuation whose state is corrupt (cursor beyond end)
    state = {"chain_id": "c-1", "hop": 3, "cursor": 9, "end": 5, "total": 0}
    result, _ = run(stacks["self-invoking"], "LongJob", {"eventType": "LongJobContinuation", "state": state})
    # THEN one attempt (retries 0), and the failure record with that state is in the failure queue
    assert attempts(result) == [("LongJob", 1, "error", "BadEvent")]
    (record,) = result.queues["LongJob/FailureQueue"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"]["state"] == state
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "state must have hop >= 0, 0 <= cursor <= end and total >= 0"


# The job would run for hours were the timeout not enforced; this test's own watchdog stops that sooner.
@pytest.mark.timeout(120)
def test_a_hop_running_past_its_timeout_fails_with_task_timed_out(stacks):
    # GIVEN a 1 s timeout and a hop that never hands off: no time check (with a real margin it may, rightly,
    # hand off in its last millisecond and then time out: a race, not this test)
    options = {
        "timeouts": {"LongJob": 1},
        "environment": {"LongJob": {"SAFETY_MARGIN_MS": "0", "STEP_BUDGET": "100000"}},
    }
    result, _ = run(stacks["self-invoking"], "LongJob", {"n": 10**11}, **options)
    # THEN the invocation is cut at 1 s and its event goes to the failure queue
    assert attempts(result) == [("LongJob", 1, "error", "Sandbox.Timedout")]
    assert result.invocations[0]["duration_ms"] >= 1000
    (record,) = result.queues["LongJob/FailureQueue"]
    request_id = result.invocations[0]["request_id"]
    assert record["responsePayload"] == {
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }


def test_without_the_recursion_config_lambda_stops_the_chain_after_16_invocations(
    self_invoking_without_recursion_config,
):
    # GIVEN no aws_lambda_function_recursion_config and a job that needs 30 hops
    stack = self_invoking_without_recursion_config
    assert "aws_lambda_function_recursion_config" not in stack.document["resource"]
    result, _ = run(stack, "LongJob", {"n": 30 * CHUNK}, environment={"LongJob": {"STEP_BUDGET": "1"}})
    # THEN 16 invocations run and the 17th event goes, unrun, to the on-failure destination
    assert len(result.invocations) == 16
    (record,) = result.queues["LongJob/FailureQueue"]
    assert record["requestContext"]["condition"] == "RecursiveInvocationException"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"]["state"]["hop"] == 16
    assert "responseContext" not in record


def test_with_the_recursion_config_the_same_chain_runs_to_the_end(stacks):
    result, _ = run(
        stacks["self-invoking"], "LongJob", {"n": 30 * CHUNK}, environment={"LongJob": {"STEP_BUDGET": "1"}}
    )
    assert len(result.invocations) == 30
    assert result.invocations[-1]["result"]["result"] == sum_of_squares(30 * CHUNK)


def test_a_self_invocation_the_role_does_not_allow_fails_the_hop(stacks):
    # GIVEN LongJob's grant on itself removed
    def remove_self_grant(document):
        policy = policy_of(document, "LongJob")
        policy["statement"] = [s for s in policy["statement"] if s["actions"] != ["lambda:InvokeFunction"]]

    result, _ = run(
        edited(stacks["self-invoking"], remove_self_grant),
        "LongJob",
        {"n": 3 * CHUNK},
        environment={"LongJob": {"STEP_BUDGET": "1"}},
    )
    # THEN its boto3 invoke is refused as AWS refuses it, and the failed hop's event reaches the failure queue
    assert attempts(result) == [("LongJob", 1, "error", "ClientError")]
    message = result.invocations[0]["result"]["errorMessage"]
    assert "(AccessDeniedException) when calling the Invoke operation" in message
    assert (
        f"is not authorized to perform: lambda:InvokeFunction on resource: {arn('self-invoking', 'LongJob')}" in message
    )
    assert result.queues["LongJob/FailureQueue"][0]["requestContext"]["condition"] == "RetriesExhausted"


def test_an_unknown_function_is_named_with_the_stacks_functions(stacks):
    with (
        Engine(stacks["response-only"]) as engine,
        pytest.raises(Exception, match="no function 'Third' in stack response-only; its functions: First, Second"),
    ):
        engine.invoke_async("Third", {})


# --- aliases, S3 and existing resources (the extras stack of tests/conftest.py) --------------------------


@pytest.fixture(scope="module")
def extras(extras_outdir):
    return load_stack(stack_file(extras_outdir, "extras"))


def test_an_alias_runs_its_own_configuration_and_reaches_the_target_alias(extras):
    with Engine(extras, out=io.StringIO()) as engine:
        result = engine.invoke_async("First", {"numbers": [1]}, qualifier="live")
    (delivery,) = result.deliveries
    record = delivery["payload"]
    assert (delivery["destination"], delivery["allowed"]) == ("Second/Alias-live", True)
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:extras-First:live"
    assert record["responseContext"]["executedVersion"] == "1"
    assert attempts(result) == [("First", 1, "success", None), ("Second", 1, "success", None)]


def test_failures_of_the_alias_become_objects_in_the_bucket(extras):
    with Engine(extras, out=io.StringIO()) as engine:
        result = engine.invoke_async("First", {"numbers": []}, qualifier="live")
    (stored,) = result.buckets["Failures"]
    # THEN the object is where AWS documents it: aws/lambda/async/<function>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>
    key = re.fullmatch(
        r"aws/lambda/async/extras-First/(\d{4})/(\d\d)/(\d\d)/(\d{4})-(\d\d)-(\d\d)T\d\d\.\d\d\.\d\d-"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        stored["key"],
    )
    assert key is not None and key.groups()[:3] == key.groups()[3:]
    assert stored["body"]["requestContext"]["condition"] == "RetriesExhausted"
    assert [frame.split(",")[0].rsplit("/", 1)[-1] for frame in stored["body"]["responsePayload"]["stackTrace"]] == [
        'index.py"',
        'index.py"',
    ]


def test_records_for_existing_resources_are_delivered_outside_the_stack(extras):
    with Engine(extras, out=io.StringIO()) as engine:
        success = engine.invoke_async("First", {"numbers": [2]})
    with Engine(extras, out=io.StringIO()) as engine:
        failure = engine.invoke_async("First", {"numbers": "x"})
    assert [
        (d["destination_kind"], d["destination"], d["allowed"]) for d in success.deliveries + failure.deliveries
    ] == [
        ("sqs", "arn:aws:sqs:us-east-1:111122223333:orders", True),
        ("lambda", "arn:aws:lambda:us-east-1:111122223333:function:audit", True),
    ]
    assert sorted(success.external) == ["arn:aws:sqs:us-east-1:111122223333:orders"]
    assert sorted(failure.external) == ["arn:aws:lambda:us-east-1:111122223333:function:audit"]


# --- long-job-api: the HTTP entry, the job table, duplicate deliveries ------------------------------------


def test_the_jobs_api_run_delivers_every_hop_twice_and_still_completes_one_job_exactly(stacks_with_api):
    # GIVEN POST /jobs for n = 10 chunks, 2 chunks per hop, and every event after the first delivered twice
    request = json.loads((FUNCTION_EVENTS / "api_post_jobs.json").read_text())
    request["body"] = json.dumps({"n": 10 * CHUNK})
    result, _ = run(stacks_with_api, "LongJob", request, environment={"LongJob": {"STEP_BUDGET": "2"}}, duplicates=True)
    # THEN one 202, five hops that worked and five duplicates that did nothing
    statuses = [i["result"].get("status", i["result"].get("statusCode")) for i in result.invocations]
    assert statuses == [202] + ["handed-off", "duplicate"] * 4 + ["completed", "duplicate"]
    # AND the table holds one job, completed with the exact result, and one claim per hop
    job_id = json.loads(result.invocations[0]["result"]["body"])["job_id"]
    assert UUID4.fullmatch(job_id)
    items = {item["item"]: item for item in result.tables["Jobs"]}
    assert sorted(items) == ["hop#00000", "hop#00001", "hop#00002", "hop#00003", "hop#00004", "job"]
    assert {k: items["job"][k] for k in ("job_id", "status", "hop", "cursor", "end", "result")} == {
        "job_id": job_id,
        "status": "completed",
        "hop": 4,
        "cursor": 10 * CHUNK,
        "end": 10 * CHUNK,
        "result": sum_of_squares(10 * CHUNK),
    }


def test_the_table_emulator_leaves_the_process_credentials_alone(stacks_with_api, monkeypatch):
    # GIVEN credentials in the environment, as a client in the same process (tools.jobs) signs with them
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACALLER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
    with Engine(stacks_with_api, out=io.StringIO()) as engine:
        # WHEN a run has started the in-process DynamoDB
        result = engine.invoke_async("LongJob", {"n": CHUNK})
        assert [(i["status"], i["result"]["status"]) for i in result.invocations] == [("success", "completed")]
        # THEN, while the engine lives, the environment still holds the caller's keys
        assert (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]) == ("AKIACALLER", "caller-secret")


def test_a_table_call_the_role_does_not_allow_is_refused_like_aws(stacks_with_api):
    def remove_table_grant(document):
        policy = policy_of(document, "LongJob")
        policy["statement"] = [s for s in policy["statement"] if not s["actions"][0].startswith("dynamodb:")]

    result, _ = run(edited(stacks_with_api, remove_table_grant), "LongJob", {"n": CHUNK})
    assert attempts(result) == [("LongJob", 1, "error", "ClientError")]
    assert (
        "(AccessDeniedException) when calling the PutItem operation: User: arn:aws:sts::123456789012:assumed-role/"
        "lambda-async-dev-long-job-api-LongJob-role/lambda-async-dev-long-job-api-LongJob is not authorized to perform: "
        "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/lambda-async-dev-long-job-api-Jobs"
        in result.invocations[0]["result"]["errorMessage"]
    )
