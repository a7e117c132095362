"""SelfInvokingFunction: self-invoke grant, recursion config, failure queue, no cycle."""

import re

import pytest
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components import ConfigurationError, SelfInvokingFunction
from tests.support import (
    LONG_JOB_CODE,
    logical_id,
    new_stack,
    only,
    resources,
    role_policy_statements,
    synth,
    unplaced_after_topological_sort,
)


def test_it_may_invoke_only_its_own_arn():
    # GIVEN a self-invoking function
    stack = new_stack()
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE)
    out = synth(stack)
    own_arn = f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'Job')}.arn}}"
    # THEN the invoke statement names its own ARN and arn:*, no wildcard account or function
    invoke = [s for s in role_policy_statements(out, "Job") if s["actions"] == ["lambda:InvokeFunction"]]
    assert invoke == [{"actions": ["lambda:InvokeFunction"], "effect": "Allow", "resources": [own_arn, f"{own_arn}:*"]}]


def test_recursive_loops_are_allowed_by_default():
    stack = new_stack()
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE)
    out = synth(stack)
    function_id = logical_id(out, "aws_lambda_function", "Job")
    assert only(resources(out, "aws_lambda_function_recursion_config")) == {
        "function_name": f"${{aws_lambda_function.{function_id}.function_name}}",
        "recursive_loop": "Allow",
    }


def test_recursion_config_can_be_switched_off_for_emulators():
    stack = new_stack()
    job = SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE, allow_recursive_loop=False)
    assert job.recursion_config is None
    assert "aws_lambda_function_recursion_config" not in synth(stack)["resource"]


def test_failed_hops_go_to_an_encrypted_queue_and_are_never_retried():
    # GIVEN the defaults
    stack = new_stack()
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE)
    out = synth(stack)
    queue_id = logical_id(out, "aws_sqs_queue", "Job/FailureQueue")
    # THEN retries are 0 and failures go to the queue, which the role may send to
    config = only(resources(out, "aws_lambda_function_event_invoke_config"))
    assert config["maximum_retry_attempts"] == 0
    assert config["destination_config"] == {"on_failure": {"destination": f"${{aws_sqs_queue.{queue_id}.arn}}"}}
    assert only(resources(out, "aws_sqs_queue")) == {
        "name": "test-Job-failures",
        "sqs_managed_sse_enabled": True,
        "message_retention_seconds": 1209600,
    }
    assert role_policy_statements(out, "Job")[-1]["resources"] == [f"${{aws_sqs_queue.{queue_id}.arn}}"]


def test_the_chain_depth_limit_reaches_the_code():
    stack = new_stack()
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE, max_chain_depth=25, environment={"MODE": "x"})
    function = only(resources(synth(stack), "aws_lambda_function"))
    assert function["environment"] == {"variables": {"MODE": "x", "MAX_CHAIN_DEPTH": "25"}}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_chain_depth": 0}, r"^max_chain_depth must be between 1 and 1000 hops; got 0$"),
        ({"max_chain_depth": 1001}, r"^max_chain_depth must be between 1 and 1000 hops; got 1001$"),
        ({"retry_attempts": 3}, r"^retry_attempts must be between 0 and 2; got 3$"),
        ({"max_event_age": 30}, r"^max_event_age must be between 60 and 21600 seconds; got 30$"),
    ],
)
def test_bad_options_are_refused_before_anything_is_added(options, message):
    stack = new_stack()
    with pytest.raises(ConfigurationError, match=message):
        SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE, **options)
    assert stack.node.try_find_child("Job") is None


def references(value):
    return set(re.findall(r"\b((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_]+)", str(value)))


def reference_graph(out):
    """Each resource and data source of ``out`` -> the resources and data sources it refers to."""
    nodes = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for type_, items in out.get(kind, {}).items():
            for name, body in items.items():
                nodes[f"{prefix}{type_}.{name}"] = references(body) - {f"{prefix}{type_}.{name}"}
    return nodes


def test_the_reference_graph_has_no_cycle():
    # GIVEN the synthesized self-invoking function (its policy references the function)
    stack = new_stack()
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE)
    out = synth(stack)
    nodes = reference_graph(out)
    # WHEN sorted topologically THEN every node is placed
    assert unplaced_after_topological_sort(nodes) == {}
    # AND the self-reference that could have closed a cycle is really there
    function_id = f"aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'Job')}"
    (policy_document,) = [n for n in nodes if n.startswith("data.aws_iam_policy_document.Job_DefaultPolicyDocument")]
    assert function_id in nodes[policy_document]


def test_reserved_concurrency_and_a_dead_letter_queue_pass_through_to_the_function():
    # GIVEN a self-invoking function with reserved concurrency and a dead-letter queue
    stack = new_stack()
    dead_letters = SqsQueue(stack, "DeadLetters", sqs_managed_sse_enabled=True)
    SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE, reserved_concurrency=3, dead_letter=dead_letters)
    out = synth(stack)
    # THEN the function has both
    queue_arn = f"${{aws_sqs_queue.{logical_id(out, 'aws_sqs_queue', 'DeadLetters')}.arn}}"
    function = only(resources(out, "aws_lambda_function"))
    assert function["reserved_concurrent_executions"] == 3
    assert function["dead_letter_config"] == {"target_arn": queue_arn}
    # AND the graph still sorts: the function waits for its dead-letter grant, which does not name the function
    nodes = reference_graph(out)
    assert unplaced_after_topological_sort(nodes) == {}
