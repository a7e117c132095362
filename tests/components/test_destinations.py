"""Destinations: each returns its ARN and grants exactly what delivery needs."""

import json
import re

import pytest
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from cdktf_cdktf_provider_aws.data_aws_sqs_queue import DataAwsSqsQueue
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components import (
    ConfigurationError,
    EventBridgeDestination,
    Function,
    FunctionDestination,
    S3Destination,
    SnsDestination,
    SqsDestination,
)
from tests.support import FIRST_CODE, SECOND_CODE, logical_id, new_stack, only, resources, role_policy_statements, synth

DEFAULT_BUS_ARN = (
    "arn:${data.aws_partition.Partition.partition}:events:${data.aws_region.Region.name}"
    ":${data.aws_caller_identity.CallerIdentity.account_id}:event-bus/default"
)


def pair(stack):
    return Function(stack, "First", code=FIRST_CODE), Function(stack, "Second", code=SECOND_CODE)


def response_only_on_success():
    """GIVEN First → (response payload only) → Second, synthesized."""
    stack = new_stack()
    first, second = pair(stack)
    first.configure_async_invoke(on_success=FunctionDestination(second, response_only=True))
    return synth(stack)


def destination_of(out, outcome="on_success"):
    return only(resources(out, "aws_lambda_function_event_invoke_config"))["destination_config"][outcome]["destination"]


def test_function_destination_invokes_the_target_with_the_full_record():
    # GIVEN First → Second
    stack = new_stack()
    first, second = pair(stack)
    first.configure_async_invoke(on_success=FunctionDestination(second))
    # WHEN synthesized
    out = synth(stack)
    second_arn = f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'Second')}.arn}}"
    # THEN the destination is Second's ARN and First may invoke Second (arn and arn:*), nothing else
    assert destination_of(out) == second_arn
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["lambda:InvokeFunction"], "effect": "Allow", "resources": [second_arn, f"{second_arn}:*"]}
    ]
    assert role_policy_statements(out, "Second")[1:] == []
    assert "aws_lambda_permission" not in out["resource"]


def test_response_only_sends_the_record_to_the_default_bus_and_grants_put_events_there():
    # GIVEN First → (response payload only) → Second, synthesized
    out = response_only_on_success()
    # THEN Lambda delivers to the default bus, which First may put events on, and First may not invoke Second
    assert destination_of(out) == DEFAULT_BUS_ARN
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["events:PutEvents"], "effect": "Allow", "resources": [DEFAULT_BUS_ARN]}
    ]


def test_response_only_rule_matches_success_results_of_the_configured_qualifier():
    out = response_only_on_success()
    first_arn = f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'First')}.arn}}"
    rule = only(resources(out, "aws_cloudwatch_event_rule"))
    assert rule["event_pattern"] == (
        '${jsonencode({"source" = ["lambda", "aws.lambda"], '
        '"detail-type" = ["Lambda Function Invocation Result - Success"], '
        f'"resources" = ["{first_arn}:$LATEST"]}})}}'
    )


def test_response_only_on_failure_matches_failure_results_of_an_alias():
    # GIVEN the response-only destination used on failure of First's alias "live"
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE, publish=True)
    second = Function(stack, "Second", code=SECOND_CODE)
    first.add_alias("live").configure_async_invoke(on_failure=FunctionDestination(second, response_only=True))
    out = synth(stack)
    # THEN the rule matches Failure results of <arn>:live, and the config is the alias's
    first_arn = f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'First')}.arn}}"
    pattern = only(resources(out, "aws_cloudwatch_event_rule"))["event_pattern"]
    assert '"detail-type" = ["Lambda Function Invocation Result - Failure"]' in pattern
    assert f'"resources" = ["{first_arn}:live"]' in pattern
    assert destination_of(out, "on_failure") == DEFAULT_BUS_ARN
    assert only(resources(out, "aws_lambda_function_event_invoke_config"))["qualifier"] == "live"


def test_response_only_target_forwards_only_the_response_payload_to_second():
    out = response_only_on_success()
    rule_id = logical_id(out, "aws_cloudwatch_event_rule", "First/EventInvokeConfig/Success/Rule")
    second_id = logical_id(out, "aws_lambda_function", "Second")
    assert only(resources(out, "aws_cloudwatch_event_target")) == {
        "arn": f"${{aws_lambda_function.{second_id}.arn}}",
        "input_path": "$.detail.responsePayload",
        "rule": f"${{aws_cloudwatch_event_rule.{rule_id}.name}}",
        "target_id": "Target0",
    }


def test_response_only_lets_eventbridge_invoke_second_from_that_rule_only():
    out = response_only_on_success()
    rule_id = logical_id(out, "aws_cloudwatch_event_rule", "First/EventInvokeConfig/Success/Rule")
    second_id = logical_id(out, "aws_lambda_function", "Second")
    assert only(resources(out, "aws_lambda_permission")) == {
        "action": "lambda:InvokeFunction",
        "function_name": f"${{aws_lambda_function.{second_id}.arn}}",
        "principal": "events.amazonaws.com",
        "source_arn": f"${{aws_cloudwatch_event_rule.{rule_id}.arn}}",
        # the rule's name, so that a deploy killed after creating it can adopt it (tools/state.py recover)
        "statement_id": "test-First-success-invoke",
    }


def test_sqs_destination_grants_send_on_that_queue_only():
    # GIVEN First → queue
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    queue = SqsQueue(stack, "Queue", sqs_managed_sse_enabled=True)
    first.configure_async_invoke(on_success=SqsDestination(queue))
    out = synth(stack)
    queue_arn = f"${{aws_sqs_queue.{logical_id(out, 'aws_sqs_queue', 'Queue')}.arn}}"
    # THEN the queue is the destination and the grant is the three actions delivery uses
    assert destination_of(out) == queue_arn
    assert role_policy_statements(out, "First")[1:] == [
        {
            "actions": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "effect": "Allow",
            "resources": [queue_arn],
        }
    ]


def test_sns_destination_grants_publish_on_that_topic_only():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    topic = SnsTopic(stack, "Topic")
    first.configure_async_invoke(on_failure=SnsDestination(topic))
    out = synth(stack)
    topic_arn = f"${{aws_sns_topic.{logical_id(out, 'aws_sns_topic', 'Topic')}.arn}}"
    assert destination_of(out, "on_failure") == topic_arn
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["sns:Publish"], "effect": "Allow", "resources": [topic_arn]}
    ]


@pytest.mark.parametrize("custom_bus", [True, False])
def test_event_bridge_destination_grants_put_events_on_its_bus(custom_bus):
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    bus = CloudwatchEventBus(stack, "Bus", name="orders") if custom_bus else None
    first.configure_async_invoke(on_success=EventBridgeDestination(bus.arn if bus else None))
    out = synth(stack)
    bus_arn = (
        f"${{aws_cloudwatch_event_bus.{logical_id(out, 'aws_cloudwatch_event_bus', 'Bus')}.arn}}"
        if custom_bus
        else DEFAULT_BUS_ARN
    )
    assert destination_of(out) == bus_arn
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["events:PutEvents"], "effect": "Allow", "resources": [bus_arn]}
    ]
    assert ("aws_partition" in out.get("data", {})) is not custom_bus


def test_success_and_failure_destinations_together_grant_both_and_share_data_sources():
    # GIVEN on-success to the default bus and on-failure (response only) through it too
    stack = new_stack()
    first, second = pair(stack)
    first.configure_async_invoke(
        on_success=EventBridgeDestination(), on_failure=FunctionDestination(second, response_only=True)
    )
    out = synth(stack)
    # THEN one PutEvents statement, one set of partition/region/account data sources
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["events:PutEvents"], "effect": "Allow", "resources": [DEFAULT_BUS_ARN]}
    ]
    assert [len(out["data"][t]) for t in ("aws_partition", "aws_region", "aws_caller_identity")] == [1, 1, 1]
    assert json.dumps(out).count("Lambda Function Invocation Result - Failure") == 1


# --- S3 (on failure only) ----------------------------------------------------------------------------


def test_s3_destination_on_failure_grants_put_object_on_its_objects_and_list_bucket_on_it():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    bucket = S3Bucket(stack, "Failures", bucket="failures-bucket")
    first.configure_async_invoke(on_failure=S3Destination(bucket))
    out = synth(stack)
    bucket_arn = f"${{aws_s3_bucket.{logical_id(out, 'aws_s3_bucket', 'Failures')}.arn}}"
    assert destination_of(out, "on_failure") == bucket_arn
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["s3:PutObject"], "effect": "Allow", "resources": [f"{bucket_arn}/*"]},
        {"actions": ["s3:ListBucket"], "effect": "Allow", "resources": [bucket_arn]},
    ]


def test_s3_destination_for_on_success_is_refused_before_anything_is_added():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    children = len(first.node.children)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "on_success cannot be an S3Destination: S3 buckets take failure records only; use it for on_failure, "
            "and a queue, topic, bus or function for on_success"
        ),
    ):
        first.configure_async_invoke(on_success=S3Destination("arn:aws:s3:::failures-bucket"))
    assert len(first.node.children) == children


# --- encrypted queues and topics -----------------------------------------------------------------------


def test_a_queue_with_a_customer_managed_key_also_grants_generate_data_key_and_decrypt_on_it():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    key = KmsKey(stack, "Key")
    first.configure_async_invoke(on_success=SqsDestination(SqsQueue(stack, "Queue", kms_master_key_id=key.arn)))
    out = synth(stack)
    key_arn = f"${{aws_kms_key.{logical_id(out, 'aws_kms_key', 'Key')}.arn}}"
    assert role_policy_statements(out, "First")[2:] == [
        {"actions": ["kms:GenerateDataKey", "kms:Decrypt"], "effect": "Allow", "resources": [key_arn]}
    ]


def test_a_topic_with_a_key_id_gets_the_grant_on_that_keys_arn():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    topic = SnsTopic(stack, "Topic", kms_master_key_id="1234abcd-12ab-34cd-56ef-1234567890ab")
    first.configure_async_invoke(on_failure=SnsDestination(topic))
    statements = role_policy_statements(synth(stack), "First")
    assert statements[2] == {
        "actions": ["kms:GenerateDataKey", "kms:Decrypt"],
        "effect": "Allow",
        "resources": [
            "arn:${data.aws_partition.Partition.partition}:kms:${data.aws_region.Region.name}:"
            "${data.aws_caller_identity.CallerIdentity.account_id}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ],
    }


@pytest.mark.parametrize(
    "queue_options", [{"sqs_managed_sse_enabled": True}, {"kms_master_key_id": "alias/aws/sqs"}, {}]
)
def test_sqs_managed_or_aws_managed_encryption_needs_no_kms_grant(queue_options):
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    first.configure_async_invoke(on_success=SqsDestination(SqsQueue(stack, "Queue", **queue_options)))
    assert [s["actions"] for s in role_policy_statements(synth(stack), "First")[1:]] == [
        ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    ]


def test_a_customer_key_alias_is_refused_with_what_to_pass_instead():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    queue = SqsQueue(stack, "Queue", kms_master_key_id="alias/orders")
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "queue 'test/Queue' is encrypted with the KMS alias 'alias/orders'; Lambda needs "
            "kms:GenerateDataKey and kms:Decrypt granted on the key itself: set kms_master_key_id to the key's ARN "
            "(KmsKey.arn) or id"
        ),
    ):
        first.configure_async_invoke(on_success=SqsDestination(queue))


# --- FIFO queues -------------------------------------------------------------------------------------


@pytest.mark.parametrize("queue_options", [{"fifo_queue": True}, {"name": "orders.fifo"}])
def test_a_fifo_queue_is_refused_naming_it(queue_options):
    stack = new_stack()
    queue = SqsQueue(stack, "Orders", **queue_options)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "SqsDestination(queue): queue 'test/Orders' is a FIFO queue; Lambda delivers records only to standard "
            "queues: use a queue without fifo_queue"
        ),
    ):
        SqsDestination(queue)


def test_a_fifo_queue_arn_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=re.escape("SqsDestination(queue): 'arn:aws:sqs:us-east-1:123456789012:orders.fifo' is a FIFO queue"),
    ):
        SqsDestination("arn:aws:sqs:us-east-1:123456789012:orders.fifo")


# --- existing resources by ARN -----------------------------------------------------------------------

EXISTING = [
    (
        SqsDestination,
        "arn:aws:sqs:eu-west-1:111122223333:orders",
        "on_success",
        [
            {
                "actions": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                "resources": ["arn:aws:sqs:eu-west-1:111122223333:orders"],
            }
        ],
    ),
    (
        SnsDestination,
        "arn:aws:sns:eu-west-1:111122223333:alerts",
        "on_failure",
        [{"actions": ["sns:Publish"], "resources": ["arn:aws:sns:eu-west-1:111122223333:alerts"]}],
    ),
    (
        EventBridgeDestination,
        "arn:aws:events:eu-west-1:111122223333:event-bus/orders",
        "on_success",
        [{"actions": ["events:PutEvents"], "resources": ["arn:aws:events:eu-west-1:111122223333:event-bus/orders"]}],
    ),
    (
        S3Destination,
        "arn:aws:s3:::failures-bucket",
        "on_failure",
        [
            {"actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::failures-bucket/*"]},
            {"actions": ["s3:ListBucket"], "resources": ["arn:aws:s3:::failures-bucket"]},
        ],
    ),
    (
        FunctionDestination,
        "arn:aws:lambda:eu-west-1:111122223333:function:audit",
        "on_success",
        [
            {
                "actions": ["lambda:InvokeFunction"],
                "resources": [
                    "arn:aws:lambda:eu-west-1:111122223333:function:audit",
                    "arn:aws:lambda:eu-west-1:111122223333:function:audit:*",
                ],
            }
        ],
    ),
    (
        FunctionDestination,
        "arn:aws:lambda:eu-west-1:111122223333:function:audit:prod",
        "on_success",
        [
            {
                "actions": ["lambda:InvokeFunction"],
                "resources": ["arn:aws:lambda:eu-west-1:111122223333:function:audit:prod"],
            }
        ],
    ),
]


@pytest.mark.parametrize(("destination", "arn", "outcome", "grants"), EXISTING)
def test_an_existing_resource_by_arn_is_the_destination_and_granted_exactly(destination, arn, outcome, grants):
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    first.configure_async_invoke(**{outcome: destination(arn)})
    out = synth(stack)
    assert destination_of(out, outcome) == arn
    assert role_policy_statements(out, "First")[1:] == [{"effect": "Allow", **grant} for grant in grants]


def test_a_data_sources_arn_is_accepted_as_an_existing_queue():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    first.configure_async_invoke(on_success=SqsDestination(DataAwsSqsQueue(stack, "Orders", name="orders").arn))
    assert destination_of(synth(stack)) == "${data.aws_sqs_queue.Orders.arn}"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: SqsDestination("orders"),
            "SqsDestination(queue) must be an SQS queue ARN like arn:aws:sqs:us-east-1:123456789012:my-queue; got 'orders', which is not an ARN",
        ),
        (
            lambda: SqsDestination("arn:aws:sns:us-east-1:123456789012:orders"),
            "SqsDestination(queue) must be an SQS queue ARN (service 'sqs') like arn:aws:sqs:us-east-1:123456789012:my-queue; "
            "got 'arn:aws:sns:us-east-1:123456789012:orders', an ARN of service 'sns'",
        ),
        (
            lambda: S3Destination("arn:aws:s3:us-east-1:123456789012:bucket"),
            "S3Destination(bucket) must be an S3 bucket ARN like arn:aws:s3:::my-bucket; got 'arn:aws:s3:us-east-1:123456789012:bucket'",
        ),
        (
            lambda: FunctionDestination("arn:aws:lambda:us-east-1:123456789012:layer:x"),
            "FunctionDestination(target) must be a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:my-function; "
            "got 'arn:aws:lambda:us-east-1:123456789012:layer:x'",
        ),
        (
            lambda: EventBridgeDestination("arn:aws:events:us-east-1:123456789012:rule/r"),
            "EventBridgeDestination(event_bus) must be an EventBridge event bus ARN like "
            "arn:aws:events:us-east-1:123456789012:event-bus/my-bus; got 'arn:aws:events:us-east-1:123456789012:rule/r'",
        ),
        (
            lambda: SnsDestination(42),  # type: ignore[arg-type]  # what a careless caller passes
            "SnsDestination(topic) must be an SNS topic construct or ARN like arn:aws:sns:us-east-1:123456789012:my-topic; got 42",
        ),
    ],
)
def test_a_malformed_or_foreign_arn_is_refused_naming_the_parameter_and_the_expected_service(make, message):
    with pytest.raises(ConfigurationError) as caught:
        make()
    assert str(caught.value) == message


def test_the_response_only_rule_is_named_by_the_scheme_with_the_alias_and_outcome():
    # GIVEN response-only destinations on $LATEST's success and the alias "live"'s failure
    stack = new_stack(name_prefix="shop-prod")
    first = Function(stack, "First", code=FIRST_CODE, publish=True)
    second = Function(stack, "Second", code=SECOND_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(second, response_only=True))
    first.add_alias("live").configure_async_invoke(on_failure=FunctionDestination(second, response_only=True))
    # WHEN synthesized THEN each rule is named <prefix>-<stack>-<function>[-<alias>]-<outcome>
    names = sorted(rule["name"] for rule in resources(synth(stack), "aws_cloudwatch_event_rule").values())
    assert names == ["shop-prod-test-First-live-failure", "shop-prod-test-First-success"]
