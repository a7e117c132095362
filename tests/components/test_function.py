"""Function: code, role, log group, default policy, names and option validation."""

import re
from pathlib import Path

import pytest

from components import ConfigurationError, Function, PolicyStatement
from tests.support import (
    FIRST_CODE,
    SECOND_CODE,
    data_sources,
    logical_id,
    new_stack,
    only,
    resources,
    role_policy_statements,
    synth,
)


def test_role_can_only_be_assumed_by_lambda():
    # GIVEN a stack with one function
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE)
    # WHEN it is synthesized
    out = synth(stack)
    # THEN the trust policy names lambda.amazonaws.com and nothing else
    trust = [d for d in data_sources(out, "aws_iam_policy_document").values() if "principals" in d["statement"][0]]
    (trust_document,) = trust
    assert trust_document["statement"] == [
        {
            "actions": ["sts:AssumeRole"],
            "effect": "Allow",
            "principals": [{"identifiers": ["lambda.amazonaws.com"], "type": "Service"}],
        }
    ]


def test_log_group_is_explicit_with_retention_and_the_function_waits_for_it():
    # GIVEN a function with a 30-day log retention
    stack = new_stack()
    fn = Function(stack, "First", code=FIRST_CODE, log_retention_days=30)
    # WHEN synthesized
    out = synth(stack)
    # THEN the log group is the one Lambda writes to and the function depends on it
    log_group = only(resources(out, "aws_cloudwatch_log_group"))
    assert log_group == {"name": "/aws/lambda/test-First", "retention_in_days": 30}
    assert fn.function_name == "test-First"
    function = only(resources(out, "aws_lambda_function"))
    assert function["depends_on"] == [
        f"aws_cloudwatch_log_group.{logical_id(out, 'aws_cloudwatch_log_group', 'First/LogGroup')}"
    ]


def test_default_policy_allows_logging_to_its_own_log_group_only():
    # GIVEN a function without grants
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE)
    # WHEN synthesized
    out = synth(stack)
    # THEN its only permission is writing to its own log group's streams
    log_group_id = logical_id(out, "aws_cloudwatch_log_group", "First/LogGroup")
    assert role_policy_statements(out, "First") == [
        {
            "actions": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "effect": "Allow",
            "resources": [f"${{aws_cloudwatch_log_group.{log_group_id}.arn}}:*"],
        }
    ]


def test_function_properties_reach_the_lambda_resource():
    # GIVEN explicit runtime options
    stack = new_stack()
    Function(
        stack, "First", code=FIRST_CODE, timeout=120, memory_size=512, environment={"MODE": "demo"}, description="d"
    )
    # WHEN synthesized
    function = only(resources(synth(stack), "aws_lambda_function"))
    # THEN they are set on aws_lambda_function, with code packaged from the folder
    assert function["function_name"] == "test-First"
    assert function["handler"] == "index.handler"
    assert function["runtime"] == "python3.12"
    assert (function["timeout"], function["memory_size"], function["description"]) == (120, 512, "d")
    assert function["environment"] == {"variables": {"MODE": "demo"}}
    assert function["filename"].endswith("/archive.zip")
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", function["source_code_hash"])
    assert "tracing_config" not in function


def test_tracing_turns_on_xray_and_grants_only_the_xray_write_actions():
    # GIVEN a traced function
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE, tracing=True)
    # WHEN synthesized
    out = synth(stack)
    # THEN tracing is active and the X-Ray statement is the only "*" resource (X-Ray has no ARNs)
    assert only(resources(out, "aws_lambda_function"))["tracing_config"] == {"mode": "Active"}
    assert role_policy_statements(out, "First")[1] == {
        "actions": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "effect": "Allow",
        "resources": ["*"],
    }


def test_grant_invoke_allows_the_unqualified_arn_and_every_qualifier_but_not_the_invoke_uri():
    # GIVEN First granted to invoke Second
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    second = Function(stack, "Second", code=SECOND_CODE)
    second.grant_invoke(first)
    # WHEN synthesized
    out = synth(stack)
    # THEN First's policy names Second's arn and arn:*, never qualified_invoke_arn
    second_id = logical_id(out, "aws_lambda_function", "Second")
    statement = role_policy_statements(out, "First")[1]
    assert statement == {
        "actions": ["lambda:InvokeFunction"],
        "effect": "Allow",
        "resources": [f"${{aws_lambda_function.{second_id}.arn}}", f"${{aws_lambda_function.{second_id}.arn}}:*"],
    }
    assert "invoke_arn" not in str(out["data"])


def test_the_same_grant_twice_is_one_statement():
    # GIVEN the same statement added twice
    stack = new_stack()
    fn = Function(stack, "First", code=FIRST_CODE)
    statement = PolicyStatement(actions=("sqs:SendMessage",), resources=("arn:aws:sqs:us-east-1:111122223333:q",))
    fn.add_to_role_policy(statement)
    fn.add_to_role_policy(statement)
    # WHEN synthesized THEN it appears once, after the logging statement
    assert role_policy_statements(synth(stack), "First")[1:] == [
        {"actions": ["sqs:SendMessage"], "effect": "Allow", "resources": ["arn:aws:sqs:us-east-1:111122223333:q"]}
    ]


def test_names_start_with_the_stack_name_prefix():
    # GIVEN a stack whose name prefix context is set
    stack = new_stack("orders", name_prefix="shop-prod")
    # WHEN a function is added THEN its function, role and log group names carry the prefix
    fn = Function(stack, "First", code=FIRST_CODE)
    out = synth(stack)
    assert fn.function_name == "shop-prod-orders-First"
    assert only(resources(out, "aws_iam_role"))["name"] == "shop-prod-orders-First-role"


def test_a_name_over_64_characters_is_refused_naming_the_limit():
    # GIVEN a construct id that makes the function name 70 characters long
    stack = new_stack("s")
    # WHEN the function is created THEN the error names the name, its length and the limit
    with pytest.raises(
        ConfigurationError, match=r"Lambda function name 's-F{68}' is 70 characters long; AWS allows at most 64"
    ):
        Function(stack, "F" * 68, code=FIRST_CODE)


def test_a_role_name_over_64_characters_is_refused_even_when_the_function_name_fits():
    stack = new_stack("s")
    with pytest.raises(ConfigurationError, match=r"IAM role name .* is 67 characters long; AWS allows at most 64"):
        Function(stack, "F" * 60, code=FIRST_CODE)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, r"timeout must be between 1 and 900 seconds; got 0"),
        ({"timeout": 901}, r"timeout must be between 1 and 900 seconds; got 901"),
        ({"timeout": 1.5}, r"timeout must be a whole number between 1 and 900 seconds; got 1.5"),
        ({"memory_size": 64}, r"memory_size must be between 128 and 10240 MB; got 64"),
        ({"log_retention_days": 10}, r"log_retention_days must be one of 1, 3, 5, 7, 14, .*; got 10"),
        ({"code": Path("functions/first")}, r"code must be an absolute folder path .*got 'functions/first'"),
        (
            {"code": Path("/nonexistent/code")},
            r"code must be a folder containing the handler source; '/nonexistent/code' is not",
        ),
    ],
)
def test_bad_options_are_refused_with_the_field_and_allowed_range(options, message):
    # GIVEN a stack WHEN a function gets an out-of-range option
    stack = new_stack()
    with pytest.raises(ConfigurationError, match=message):
        Function(stack, "First", **{"code": FIRST_CODE, **options})


# --- reserved concurrency ---------------------------------------------------------------------------


@pytest.mark.parametrize("reserved", [0, 2, 1000])
def test_reserved_concurrency_reaches_the_function(reserved):
    # GIVEN a function with reserved concurrency (0 stops it: every invocation is throttled)
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE, reserved_concurrency=reserved)
    # WHEN synthesized THEN the function reserves exactly that many executions
    assert only(resources(synth(stack), "aws_lambda_function"))["reserved_concurrent_executions"] == reserved


def test_without_reserved_concurrency_the_function_shares_the_unreserved_pool():
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE)
    assert "reserved_concurrent_executions" not in only(resources(synth(stack), "aws_lambda_function"))


@pytest.mark.parametrize(
    ("reserved", "message"),
    [
        (-1, "reserved_concurrency must be between 0 and 1000 concurrent executions; got -1"),
        (1001, "reserved_concurrency must be between 0 and 1000 concurrent executions; got 1001"),
        (2.5, "reserved_concurrency must be a whole number between 0 and 1000 concurrent executions; got 2.5"),
        (True, "reserved_concurrency must be a whole number between 0 and 1000 concurrent executions; got True"),
    ],
)
def test_reserved_concurrency_outside_0_to_1000_is_refused_before_anything_is_added(reserved, message):
    stack = new_stack()
    with pytest.raises(ConfigurationError) as caught:
        Function(stack, "First", code=FIRST_CODE, reserved_concurrency=reserved)
    assert str(caught.value) == message
    assert stack.node.try_find_child("First") is None
