"""SqsEventSource: the mapping's settings, the one grant it needs, and each refusal Lambda would make."""

import json
import re
from typing import Any

import pytest
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components import ConfigurationError, Function, SqsEventSource
from tests.support import SECOND_CODE, logical_id, new_stack, only, resources, role_policy_statements, synth

LOGGING = ["logs:CreateLogStream", "logs:PutLogEvents"]
CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
EXISTING_QUEUE = "arn:aws:sqs:eu-west-1:111122223333:work"


def consumer(stack, *, timeout=30, **queue_options):
    """GIVEN a consumer function and a standard queue (SSE-SQS) of the stack."""
    queue = SqsQueue(stack, "Work", **({"sqs_managed_sse_enabled": True} | queue_options))
    return Function(stack, "Consumer", code=SECOND_CODE, timeout=timeout), queue


def mapping_of(stack):
    return only(resources(synth(stack), "aws_lambda_event_source_mapping"))


def test_the_mapping_reads_the_queue_into_the_function_in_batches_of_ten_by_default():
    # GIVEN a consumer of a queue with the defaults
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function)
    # WHEN synthesized
    out = synth(stack)
    queue_id = logical_id(out, "aws_sqs_queue", "Work")
    function_id = logical_id(out, "aws_lambda_function", "Consumer")
    policy_id = logical_id(out, "aws_iam_role_policy", "Consumer/DefaultPolicy")
    # THEN the mapping names the queue and the function, batches of 10, nothing else set,
    # and it waits for the role policy that lets the function read the queue
    assert only(resources(out, "aws_lambda_event_source_mapping")) == {
        "event_source_arn": f"${{aws_sqs_queue.{queue_id}.arn}}",
        "function_name": f"${{aws_lambda_function.{function_id}.arn}}",
        "batch_size": 10,
        "depends_on": [f"aws_iam_role_policy.{policy_id}"],
    }


def test_the_function_may_receive_delete_and_read_attributes_of_that_queue_only():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function)
    out = synth(stack)
    queue_arn = f"${{aws_sqs_queue.{logical_id(out, 'aws_sqs_queue', 'Work')}.arn}}"
    assert role_policy_statements(out, "Consumer")[1:] == [
        {"actions": CONSUME, "effect": "Allow", "resources": [queue_arn]}
    ]


def test_a_customer_managed_key_adds_decrypt_only_on_that_key():
    # GIVEN a queue encrypted with a KMS key of the stack
    stack = new_stack()
    key = KmsKey(stack, "Key")
    function, queue = consumer(stack, kms_master_key_id=key.arn, sqs_managed_sse_enabled=None)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function)
    out = synth(stack)
    key_arn = f"${{aws_kms_key.{logical_id(out, 'aws_kms_key', 'Key')}.arn}}"
    # THEN reading it also takes kms:Decrypt on that key, and nothing more of KMS
    assert role_policy_statements(out, "Consumer")[2:] == [
        {"actions": ["kms:Decrypt"], "effect": "Allow", "resources": [key_arn]}
    ]


def test_an_existing_queue_by_arn_is_read_with_the_grant_on_its_arn_and_no_kms_grant():
    stack = new_stack()
    function = Function(stack, "Consumer", code=SECOND_CODE)
    SqsEventSource(stack, "WorkSource", queue=EXISTING_QUEUE, function=function)
    out = synth(stack)
    assert only(resources(out, "aws_lambda_event_source_mapping"))["event_source_arn"] == EXISTING_QUEUE
    assert role_policy_statements(out, "Consumer")[1:] == [
        {"actions": CONSUME, "effect": "Allow", "resources": [EXISTING_QUEUE]}
    ]


def test_a_batching_window_lets_a_standard_queue_batch_up_to_ten_thousand():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, batch_size=10_000, max_batching_window=300)
    mapping = mapping_of(stack)
    assert (mapping["batch_size"], mapping["maximum_batching_window_in_seconds"]) == (10_000, 300)


def test_a_batching_window_of_zero_is_the_default_and_not_written():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, max_batching_window=0)
    assert "maximum_batching_window_in_seconds" not in mapping_of(stack)


def test_partial_batch_responses_set_the_function_response_type():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, report_batch_item_failures=True)
    assert mapping_of(stack)["function_response_types"] == ["ReportBatchItemFailures"]


def test_maximum_concurrency_goes_to_the_scaling_config():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, maximum_concurrency=2)
    assert mapping_of(stack)["scaling_config"] == {"maximum_concurrency": 2}


def test_filters_become_json_patterns_in_order():
    # GIVEN two event patterns on the message body
    stack = new_stack()
    function, queue = consumer(stack)
    patterns: list[dict[str, Any]] = [{"body": {"kind": ["order"]}}, {"body": {"amount": [{"numeric": [">", 100]}]}}]
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, filters=patterns)
    # THEN each is one filter, as the JSON Lambda parses
    written = mapping_of(stack)["filter_criteria"]["filter"]
    assert [json.loads(f["pattern"]) for f in written] == patterns


def test_a_disabled_mapping_is_written_disabled():
    stack = new_stack()
    function, queue = consumer(stack)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, enabled=False)
    assert mapping_of(stack)["enabled"] is False


def test_a_fifo_queue_is_read_in_batches_of_up_to_ten_without_a_window():
    stack = new_stack()
    function, queue = consumer(stack, fifo_queue=True, name="work.fifo")
    SqsEventSource(stack, "WorkSource", queue=queue, function=function, batch_size=10)
    assert mapping_of(stack)["batch_size"] == 10


def test_a_visibility_timeout_equal_to_the_function_timeout_is_accepted():
    stack = new_stack()
    function, queue = consumer(stack, timeout=60, visibility_timeout_seconds=60)
    SqsEventSource(stack, "WorkSource", queue=queue, function=function)
    assert mapping_of(stack)["batch_size"] == 10


REFUSALS = [
    (
        {"batch_size": 11},
        {},
        "batch_size must be between 1 and 10 messages without a batching window (up to 10000 with "
        "max_batching_window of at least 1 second); got 11",
    ),
    ({"batch_size": 0}, {}, "batch_size must be between 1 and 10 messages; got 0"),
    (
        {"batch_size": 10_001, "max_batching_window": 1},
        {},
        "batch_size must be between 1 and 10000 messages; got 10001",
    ),
    ({"batch_size": 2.5}, {}, "batch_size must be a whole number between 1 and 10 messages; got 2.5"),
    ({"max_batching_window": 301}, {}, "max_batching_window must be between 0 and 300 seconds; got 301"),
    ({"max_batching_window": -1}, {}, "max_batching_window must be between 0 and 300 seconds; got -1"),
    (
        {"maximum_concurrency": 1},
        {},
        "maximum_concurrency must be between 2 and 1000 concurrent invocations; got 1",
    ),
    (
        {"maximum_concurrency": 1001},
        {},
        "maximum_concurrency must be between 2 and 1000 concurrent invocations; got 1001",
    ),
    ({"report_batch_item_failures": "yes"}, {}, "report_batch_item_failures must be True or False; got 'yes'"),
    ({"enabled": 1}, {}, "enabled must be True or False; got 1"),
    ({"filters": {"body": {}}}, {}, "filters must be a list of event patterns (dicts); got {'body': {}}"),
    (
        {"filters": [{}]},
        {},
        'filters[0] must be a non-empty event pattern (a dict such as {"body": {"kind": ["order"]}}); got {}',
    ),
    (
        {"filters": [{"body": {"kind": ["a"]}}, "kind=order"]},
        {},
        "filters[1] must be a non-empty event pattern (a dict such as "
        '{"body": {"kind": ["order"]}}); got \'kind=order\'',
    ),
    (
        {"filters": [{"body": {"at": {1, 2}}}]},
        {},
        "filters[0] must be JSON: Object of type set is not JSON serializable; got {'body': {'at': {1, 2}}}",
    ),
    (
        {"filters": [{"body": {"kind": ["x" * 5000]}}]},
        {},
        "filters[0] must be at most 4096 characters as JSON; got 5024",
    ),
    (
        {"max_batching_window": 5},
        {"fifo_queue": True, "name": "work.fifo"},
        "max_batching_window: queue 'test/Work' is a FIFO queue, which Lambda reads without a batching window; "
        "leave it out (got 5 seconds)",
    ),
    ({"batch_size": 11}, {"fifo_queue": True}, "batch_size must be between 1 and 10 messages (FIFO queue); got 11"),
    (
        {},
        {"visibility_timeout_seconds": 30, "timeout": 60},
        "SqsEventSource(queue): queue 'test/Work' has a visibility timeout of 30 seconds, shorter than the timeout of "
        "function 'test/Consumer' (60 seconds); Lambda refuses the mapping: set visibility_timeout_seconds to at least "
        "60 (AWS recommends 360, six times the function's timeout)",
    ),
    (
        {},
        {"timeout": 31},
        "SqsEventSource(queue): queue 'test/Work' has a visibility timeout of 30 seconds, shorter than the timeout of "
        "function 'test/Consumer' (31 seconds); Lambda refuses the mapping: set visibility_timeout_seconds to at least "
        "31 (AWS recommends 186, six times the function's timeout)",
    ),
]


@pytest.mark.parametrize(("options", "setup", "message"), REFUSALS)
def test_what_lambda_would_refuse_is_refused_before_anything_is_added(options, setup, message):
    # GIVEN a consumer and a queue set up as given
    stack = new_stack()
    function, queue = consumer(stack, **setup)
    # WHEN the mapping gets an option Lambda would refuse
    with pytest.raises(ConfigurationError) as caught:
        SqsEventSource(stack, "WorkSource", queue=queue, function=function, **options)
    # THEN the message names the field, the value and what is allowed, and nothing was added or granted
    assert str(caught.value) == message
    assert stack.node.try_find_child("WorkSource") is None
    assert [s["actions"] for s in role_policy_statements(synth(stack), "Consumer")] == [LOGGING]


def test_a_fifo_queue_arn_with_a_window_is_refused():
    stack = new_stack()
    function = Function(stack, "Consumer", code=SECOND_CODE)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "max_batching_window: 'arn:aws:sqs:us-east-1:123456789012:work.fifo' is a FIFO queue, which Lambda reads "
            "without a batching window"
        ),
    ):
        SqsEventSource(
            stack,
            "WorkSource",
            queue="arn:aws:sqs:us-east-1:123456789012:work.fifo",
            function=function,
            max_batching_window=10,
        )


def test_a_queue_arn_of_another_service_is_refused():
    stack = new_stack()
    function = Function(stack, "Consumer", code=SECOND_CODE)
    with pytest.raises(ConfigurationError) as caught:
        SqsEventSource(stack, "WorkSource", queue="arn:aws:sns:us-east-1:123456789012:work", function=function)
    assert str(caught.value) == (
        "SqsEventSource(queue) must be an SQS queue ARN (service 'sqs') like arn:aws:sqs:us-east-1:123456789012:"
        "my-queue; got 'arn:aws:sns:us-east-1:123456789012:work', an ARN of service 'sns'"
    )


def test_a_function_that_is_not_a_function_of_the_stack_is_refused():
    stack = new_stack()
    with pytest.raises(
        ConfigurationError, match=r"^SqsEventSource\(function\) must be a Function of the stack; got str$"
    ):
        SqsEventSource(stack, "WorkSource", queue=EXISTING_QUEUE, function="arn:aws:lambda:us-east-1:1:function:f")  # type: ignore[arg-type]


def test_a_queue_encrypted_with_a_customer_alias_is_refused_naming_decrypt():
    stack = new_stack()
    function, queue = consumer(stack, kms_master_key_id="alias/work", sqs_managed_sse_enabled=None)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "queue 'test/Work' is encrypted with the KMS alias 'alias/work'; Lambda needs kms:Decrypt granted on "
            "the key itself"
        ),
    ):
        SqsEventSource(stack, "WorkSource", queue=queue, function=function)
    assert [s["actions"] for s in role_policy_statements(synth(stack), "Consumer")] == [LOGGING]
