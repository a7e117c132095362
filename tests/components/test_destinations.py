"""Destinations: each returns its ARN and grants exactly what delivery needs."""

import json

import pytest
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components import EventBridgeDestination, Function, FunctionDestination, SnsDestination, SqsDestination
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
        '${jsonencode({"source" = ["lambda"], '
        '"detail-type" = ["Lambda Function Invocation Result - Success"], '
        f'"resources" = ["{first_arn}:$LATEST"]}})}}'
    )


def test_response_only_on_failure_matches_failure_results_of_an_alias():
    # GIVEN the response-only destination used on failure, for the alias "live"
    stack = new_stack()
    first, second = pair(stack)
    first.configure_async_invoke(on_failure=FunctionDestination(second, response_only=True), qualifier="live")
    out = synth(stack)
    # THEN the rule matches Failure results of <arn>:live
    pattern = only(resources(out, "aws_cloudwatch_event_rule"))["event_pattern"]
    assert '"detail-type" = ["Lambda Function Invocation Result - Failure"]' in pattern
    assert ':live"]' in pattern
    assert destination_of(out, "on_failure") == DEFAULT_BUS_ARN


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
    bus_arn = f"${{aws_cloudwatch_event_bus.{logical_id(out, 'aws_cloudwatch_event_bus', 'Bus')}.arn}}" if custom_bus else DEFAULT_BUS_ARN
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
