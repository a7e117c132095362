"""Stacks nobody here wrote read without a problem, verify as AWS would judge them, and run as Lambda runs them.

The corpus (tests/corpus/): a TerraConstructs TypeScript app (cdktf 0.20), and Python stacks written
with the AWS provider classes alone: published versions and aliases, qualified_arn destinations,
Fn.jsonencode, JSON-string and inline_policy policies, aws_iam_policy attachments and an AWS-managed
policy, Fn.filebase64sha256 and asset hashes, handlers that cannot load, archives Lambda refuses.
"""

import copy
import io
import re

import pytest

from local_runtime.engine import Engine
from local_runtime.errors import EngineError
from local_runtime.model import load_stack, load_stacks, read_stack, stack_file
from tools.inspect import check
from tools.invoke import main as invoke

ARN = "arn:aws:lambda:eu-west-1:123456789012:function"
RECORD_KEYS = {"version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"}


def run(stack, function, payload, qualifier=None):
    with Engine(stack, out=io.StringIO()) as engine:
        return engine.invoke_async(function, payload, qualifier=qualifier)


def attempts(result):
    return [(i["function"], i["attempt"], i["status"], i["error_type"]) for i in result.invocations]


@pytest.fixture(scope="module")
def corpus(provider_classes_outdir):
    return {name: load_stack(stack_file(provider_classes_outdir, name)) for name in ("versions", "managed", "broken")}


# --- reading ---------------------------------------------------------------------------------------------


def test_every_corpus_stack_reads_without_a_problem(terraconstructs_outdir, provider_classes_outdir):
    stacks = load_stacks(terraconstructs_outdir) + load_stacks(provider_classes_outdir)
    assert sorted(s.name for s in stacks) == sorted(
        [
            "A",
            "B",
            "C",
            "archives-elsewhere",
            "broken",
            "conformance-async",
            "conformance-errors",
            "conformance-messaging",
            "consumers",
            "dead-letters",
            "http-authorizers",
            "http-cors",
            "http-jobs",
            "http-routes",
            "http-stages",
            "limits",
            "loops",
            "managed",
            "escaping-archive",
            "missing-archive",
            "node",
            "not-a-zip-archive",
            "sdk",
            "throttling",
            "versions",
        ]
    )
    assert {s.name: s.problems for s in stacks} == {s.name: () for s in stacks}


def test_terraconstructs_hashes_and_trust_policies_read_as_deployed(terraconstructs_outdir):
    # GIVEN stack A: asset hashes as source_code_hash, trust through data.aws_service_principal, AWS-managed logs
    stack = load_stack(stack_file(terraconstructs_outdir, "A"))
    first = stack.functions["First"]
    assert first.role is not None and first.code.source_code_hash is not None
    # THEN the archive is the asset the JSON names, the hash is taken as written, and the trust names Lambda
    assert first.code.archive is not None and first.code.archive.is_file()
    assert re.fullmatch(r"[0-9A-F]{32}", first.code.source_code_hash)
    assert [p.identifiers for s in first.role.trust for p in s.principals] == [("lambda.amazonaws.com",)]
    assert [p.name for p in first.role.policies] == [
        "AFirstServiceRoleDefaultPolicy1C65F5C5",
        "AWSLambdaBasicExecutionRole",
    ]
    assert (first.runtime, first.handler) == ("nodejs20.x", "first.handler")


# --- verifying -------------------------------------------------------------------------------------------


def test_the_verifier_finds_the_qualified_invoke_arn_flaw_and_the_account_wide_log_grants(terraconstructs_outdir):
    # GIVEN TerraConstructs' function-destination stack WHEN verified
    report = check(load_stack(stack_file(terraconstructs_outdir, "A")))
    # THEN both hops are allowed, and what is wrong is named: a grant on an API Gateway URI, logs on '*'
    assert report.hops == [
        "First --on_success--> lambda_function:Second (allowed: lambda:InvokeFunction)",
        "First --on_failure--> sqs_queue:Failures (allowed: sqs:SendMessage)",
    ]
    assert report.problems == [
        "role First/ServiceRole allows lambda:InvokeFunction on lambda_function:Second.qualified_invoke_arn, "
        "an API Gateway invocation URI, not an ARN of service lambda: no lambda:InvokeFunction request ever matches it",
        "role First/ServiceRole allows logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on every resource ('*')",
        "role Second/ServiceRole allows logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on every resource ('*')",
        "role First/ServiceRole allows lambda:InvokeFunction on lambda_function:Second.qualified_invoke_arn, which no hop uses",
    ]


def test_the_response_only_rules_of_terraconstructs_verify_on_both_outcomes(terraconstructs_outdir):
    report = check(load_stack(stack_file(terraconstructs_outdir, "C")))
    assert report.hops == [
        "First --on_success--> arn:<partition>:events:us-east-1:<account>:event-bus/default (allowed: events:PutEvents)",
        "First --on_failure--> arn:<partition>:events:us-east-1:<account>:event-bus/default (allowed: events:PutEvents)",
        "cloudwatch_event_rule:First/EventInvokeConfig/Failure.name --> Second "
        "(allowed by a lambda permission for events.amazonaws.com from that rule)",
        "cloudwatch_event_rule:First/EventInvokeConfig/Success.name --> Second "
        "(allowed by a lambda permission for events.amazonaws.com from that rule)",
    ]
    assert [p for p in report.problems if "logs:" not in p] == []


def test_provider_class_policies_in_every_form_verify_hop_by_hop(corpus):
    versions, managed = check(corpus["versions"]), check(corpus["managed"])
    assert (versions.hops, versions.problems) == (
        [
            "First:live --on_success--> lambda_function:Second.qualified_arn (allowed: lambda:InvokeFunction)",
            "First:live --on_failure--> sqs_queue:Failures (allowed: sqs:SendMessage)",
        ],
        [],
    )
    assert managed.hops == [
        "First --on_success--> sqs_queue:Results (allowed: sqs:SendMessage)",
        "First --on_failure--> lambda_function:Second (allowed: lambda:InvokeFunction)",
    ]
    assert managed.problems == [
        "role FirstRole allows logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents on every resource ('*')"
    ]


def test_an_sqs_action_on_a_topic_is_reported_as_one_no_request_matches(corpus):
    # GIVEN the managed stack's queue grant pointed at a topic ARN instead
    document = copy.deepcopy(corpus["managed"].document)
    policy = document["resource"]["aws_iam_policy"]["SendResults"]
    policy["policy"] = policy["policy"].replace(
        "${aws_sqs_queue.Results.arn}", "arn:aws:sns:eu-west-1:123456789012:alerts"
    )
    # WHEN verified THEN the grant is named as one no request can match, and the hop as not allowed
    problems = check(read_stack("managed", document)).problems
    assert (
        "role FirstRole allows sqs:SendMessage on arn:aws:sns:eu-west-1:123456789012:alerts, an SNS topic, "
        "not an ARN of service sqs: no sqs:SendMessage request ever matches it"
    ) in problems
    assert "First --on_success--> sqs_queue:Results: role FirstRole does not allow sqs:SendMessage on it" in problems


# --- running ---------------------------------------------------------------------------------------------


def test_an_alias_delivers_its_success_to_a_published_version_by_qualified_arn(corpus):
    # GIVEN First's alias live (version 1) sending successes to Second's version 1
    result = run(corpus["versions"], "First", {"numbers": [1, 2]}, qualifier="live")
    # THEN First and Second both run version 1, and Second gets the whole record
    assert attempts(result) == [("First", 1, "success", None), ("Second", 1, "success", None)]
    (delivery,) = result.deliveries
    assert (delivery["destination"], delivery["allowed"]) == ("Second:1", True)
    record = delivery["payload"]
    assert set(record) == RECORD_KEYS
    assert record["requestContext"]["functionArn"] == f"{ARN}:versions-first:live"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1"}
    assert result.invocations[1]["result"] == {
        "version": "1",
        "condition": "Success",
        "request_payload": {"numbers": [1, 2]},
        "response_payload": {"sum": 3, "version": "1", "function": "versions-first", "warm_invocations": 1},
    }


def test_the_aliass_own_retries_run_before_its_failure_reaches_the_queue(corpus):
    result = run(corpus["versions"], "First", {"numbers": "x"}, qualifier="live")
    # THEN 1 + maximum_retry_attempts (1) attempts, 60 s apart, then the record with both counted
    assert attempts(result) == [("First", 1, "error", "ValueError"), ("First", 2, "error", "ValueError")]
    assert 60 <= result.virtual_seconds < 61
    (record,) = result.queues["Failures"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2


def test_managed_policy_grants_deliver_success_to_the_queue_and_failure_to_second(corpus):
    success = run(corpus["managed"], "First", {"numbers": [4]})
    failure = run(corpus["managed"], "First", {"numbers": None})
    assert [r["responsePayload"]["sum"] for r in success.queues["Results"]] == [4]
    assert attempts(failure) == [("First", 1, "error", "ValueError"), ("Second", 1, "success", None)]
    assert failure.invocations[1]["result"]["condition"] == "RetriesExhausted"


@pytest.mark.parametrize(
    ("function", "error_type", "message"),
    [
        ("MissingExport", "Runtime.HandlerNotFound", "Handler 'nothere' missing on module 'index'"),
        ("MissingModule", "Runtime.ImportModuleError", "Unable to import module 'nothere': No module named 'nothere'"),
        (
            "MalformedHandler",
            "Runtime.MalformedHandlerName",
            "Bad handler 'index': not enough values to unpack (expected 2, got 1)",
        ),
        (
            "SyntaxError",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'index': expected ':' (index.py, line 4)",
        ),
    ],
)
def test_a_handler_that_cannot_load_fails_its_invocation_as_lambdas_runtime_does(corpus, function, error_type, message):
    # GIVEN a function whose code cannot be loaded, retries 0, failures to a queue
    result = run(corpus["broken"], function, {"n": 1})
    # THEN the init error is the invocation's error, and its record reaches the on-failure destination
    assert attempts(result) == [(function, 1, "error", error_type)]
    (record,) = result.queues["Failures"]
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert (record["responsePayload"]["errorType"], record["responsePayload"]["errorMessage"]) == (error_type, message)


def test_a_module_that_raises_on_import_is_initialized_again_on_every_retry(corpus):
    # GIVEN default retries and a module reading a setting it lacks at import
    result = run(corpus["broken"], "RaisesOnImport", {})
    # THEN each attempt is a fresh init that fails the same way, 60 s then 120 s after the one before
    # ended (however long a loaded machine takes to fail an init)
    assert attempts(result) == [("RaisesOnImport", n, "error", "KeyError") for n in (1, 2, 3)]
    first, second, third = result.invocations
    assert second["time"] == pytest.approx(first["time"] + first["duration_ms"] / 1000 + 60, abs=0.002)
    assert third["time"] == pytest.approx(second["time"] + second["duration_ms"] / 1000 + 120, abs=0.002)
    assert result.queues["Failures"][0]["responsePayload"]["errorMessage"] == "'TABLE_NAME'"


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        (
            "not-a-zip-archive",
            r"function First: its code archive assets/Notes/\w+/index\.py is not a zip file; Lambda refuses it",
        ),
        (
            "escaping-archive",
            r"function First: its code archive /.+/dist/escaping\.zip has an entry outside the code folder "
            r"\(\.\./evil\.py\); Lambda refuses it",
        ),
        (
            "missing-archive",
            r"function First: its code archive assets/gone/archive\.zip cannot be read \(No such file or directory\): "
            r"synthesize the stack again",
        ),
    ],
)
def test_code_lambda_would_refuse_at_deploy_is_one_line_and_exit_2(provider_classes_outdir, stack, message):
    # WHEN the CLI runs a stack whose archive Lambda would refuse
    out, err = io.StringIO(), io.StringIO()
    code = invoke(
        ["async", stack, "First", "--payload", "{}", "--outdir", str(provider_classes_outdir)], out=out, err=err
    )
    # THEN it exits 2 with one line naming the function and the file, and nothing ran
    assert (code, out.getvalue()) == (2, "")
    assert re.fullmatch(f"error: {message}\n", err.getvalue())
    with pytest.raises(EngineError, match=message):
        Engine(load_stack(stack_file(provider_classes_outdir, stack)))


@pytest.mark.parametrize(
    ("function", "written"),
    [("Relative", "../../dist/summer.zip"), ("Absolute", "/dist/summer.zip"), ("FromS3", "../../dist/summer.zip")],
)
def test_code_outside_the_stacks_folder_runs_from_where_terraform_finds_it(provider_classes_outdir, function, written):
    # GIVEN archives-elsewhere: code in the project's dist/, named relatively, absolutely, or by an S3 object
    stack = load_stack(stack_file(provider_classes_outdir, "archives-elsewhere"))
    code = stack.functions[function].code
    # THEN the model finds the archive Terraform uploads ...
    assert code.archive == provider_classes_outdir.resolve() / "dist" / "summer.zip"
    assert code.filename is not None and code.filename.endswith(written)
    # ... and the engine runs it
    with Engine(stack) as engine:
        assert engine.invoke_sync(function, {"numbers": [1, 2, 3]}).result["sum"] == 6
