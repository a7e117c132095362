"""Function(dead_letter=...): the dead-letter config and exactly the grant Lambda's sending takes."""

import re

import pytest
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components import ConfigurationError, Function
from tests.support import (
    FIRST_CODE,
    data_sources,
    logical_id,
    new_stack,
    only,
    resources,
    role_policy_statements,
    synth,
)

LOGGING = ["logs:CreateLogStream", "logs:PutLogEvents"]


def dead_letter_statements(out, function_path="First"):
    """Statements of the function's dead-letter policy document."""
    prefix = function_path.replace("/", "_") + "_DeadLetterPolicyDocument_"
    (document,) = [d for name, d in data_sources(out, "aws_iam_policy_document").items() if name.startswith(prefix)]
    return document["statement"]


def test_a_queue_of_the_stack_receives_dead_letters_and_the_role_may_only_send_to_it():
    # GIVEN a function whose dead letters go to a queue of the stack
    stack = new_stack()
    queue = SqsQueue(stack, "DeadLetters", sqs_managed_sse_enabled=True)
    Function(stack, "First", code=FIRST_CODE, dead_letter=queue)
    # WHEN synthesized
    out = synth(stack)
    queue_arn = f"${{aws_sqs_queue.{logical_id(out, 'aws_sqs_queue', 'DeadLetters')}.arn}}"
    # THEN the function's dead-letter target is the queue
    function = only(resources(out, "aws_lambda_function"))
    assert function["dead_letter_config"] == {"target_arn": queue_arn}
    # AND its role may send to it, and nothing more, in a policy of its own named dead-letter
    assert dead_letter_statements(out) == [
        {"actions": ["sqs:SendMessage"], "effect": "Allow", "resources": [queue_arn]}
    ]
    policies = {body["name"] for body in resources(out, "aws_iam_role_policy").values()}
    assert policies == {"default", "dead-letter"}
    assert [s["actions"] for s in role_policy_statements(out, "First")] == [LOGGING]
    # AND the function waits for that grant, which Lambda checks when it creates the function
    policy_id = logical_id(out, "aws_iam_role_policy", "First/DeadLetterPolicy")
    assert f"aws_iam_role_policy.{policy_id}" in function["depends_on"]


def test_a_topic_of_the_stack_receives_dead_letters_and_the_role_may_only_publish_to_it():
    stack = new_stack()
    topic = SnsTopic(stack, "DeadLetters")
    Function(stack, "First", code=FIRST_CODE, dead_letter=topic)
    out = synth(stack)
    topic_arn = f"${{aws_sns_topic.{logical_id(out, 'aws_sns_topic', 'DeadLetters')}.arn}}"
    assert only(resources(out, "aws_lambda_function"))["dead_letter_config"] == {"target_arn": topic_arn}
    assert dead_letter_statements(out) == [{"actions": ["sns:Publish"], "effect": "Allow", "resources": [topic_arn]}]


def test_without_a_dead_letter_target_there_is_no_config_and_no_extra_policy():
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE)
    out = synth(stack)
    assert "dead_letter_config" not in only(resources(out, "aws_lambda_function"))
    assert [body["name"] for body in resources(out, "aws_iam_role_policy").values()] == ["default"]


@pytest.mark.parametrize("target", ["queue", "topic"])
def test_a_customer_managed_key_adds_generate_data_key_and_decrypt_on_that_key(target):
    # GIVEN a queue or topic encrypted with a KMS key of the stack
    stack = new_stack()
    key = KmsKey(stack, "Key")
    dead_letters = (
        SqsQueue(stack, "DeadLetters", kms_master_key_id=key.arn)
        if target == "queue"
        else SnsTopic(stack, "DeadLetters", kms_master_key_id=key.arn)
    )
    Function(stack, "First", code=FIRST_CODE, dead_letter=dead_letters)
    out = synth(stack)
    key_arn = f"${{aws_kms_key.{logical_id(out, 'aws_kms_key', 'Key')}.arn}}"
    # THEN the second statement lets Lambda encrypt the message with that key
    assert dead_letter_statements(out)[1] == {
        "actions": ["kms:GenerateDataKey", "kms:Decrypt"],
        "effect": "Allow",
        "resources": [key_arn],
    }


def test_a_key_id_becomes_the_key_arn_in_the_stacks_account_and_region():
    stack = new_stack()
    queue = SqsQueue(stack, "DeadLetters", kms_master_key_id="1234abcd-12ab-34cd-56ef-1234567890ab")
    Function(stack, "First", code=FIRST_CODE, dead_letter=queue)
    assert dead_letter_statements(synth(stack))[1]["resources"] == [
        "arn:${data.aws_partition.Partition.partition}:kms:${data.aws_region.Region.name}:"
        "${data.aws_caller_identity.CallerIdentity.account_id}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    ]


@pytest.mark.parametrize("queue_options", [{"sqs_managed_sse_enabled": True}, {"kms_master_key_id": "alias/aws/sqs"}])
def test_sqs_managed_or_aws_managed_encryption_needs_no_kms_grant(queue_options):
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE, dead_letter=SqsQueue(stack, "DeadLetters", **queue_options))
    assert [s["actions"] for s in dead_letter_statements(synth(stack))] == [["sqs:SendMessage"]]


@pytest.mark.parametrize(
    ("arn", "actions"),
    [
        ("arn:aws:sqs:eu-west-1:111122223333:dead-letters", ["sqs:SendMessage"]),
        ("arn:aws:sns:eu-west-1:111122223333:dead-letters", ["sns:Publish"]),
    ],
)
def test_an_existing_queue_or_topic_by_arn_gets_its_one_action_and_no_kms_grant(arn, actions):
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE, dead_letter=arn)
    out = synth(stack)
    assert only(resources(out, "aws_lambda_function"))["dead_letter_config"] == {"target_arn": arn}
    assert dead_letter_statements(out) == [{"actions": actions, "effect": "Allow", "resources": [arn]}]


def fifo_queue(stack):
    return SqsQueue(stack, "DeadLetters", fifo_queue=True)


def fifo_named_queue(stack):
    return SqsQueue(stack, "DeadLetters", name="dead-letters.fifo")


def fifo_topic(stack):
    return SnsTopic(stack, "DeadLetters", fifo_topic=True)


def reference(stack):
    return SqsQueue(stack, "DeadLetters").arn


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (
            fifo_queue,
            "dead_letter: queue 'test/DeadLetters' is a FIFO queue; Lambda sends dead letters only to standard queues "
            "and topics",
        ),
        (
            fifo_named_queue,
            "dead_letter: queue 'test/DeadLetters' is a FIFO queue; Lambda sends dead letters only to standard queues "
            "and topics",
        ),
        (
            fifo_topic,
            "dead_letter: topic 'test/DeadLetters' is a FIFO topic; Lambda sends dead letters only to standard queues "
            "and topics",
        ),
        (
            lambda stack: "arn:aws:sqs:us-east-1:123456789012:orders.fifo",
            "dead_letter: 'arn:aws:sqs:us-east-1:123456789012:orders.fifo' is a FIFO queue; Lambda sends dead letters "
            "only to standard queues and topics",
        ),
        (
            lambda stack: "arn:aws:lambda:us-east-1:123456789012:function:audit",
            "dead_letter must be an SqsQueue or SnsTopic of the stack, or an existing queue's or topic's ARN like "
            "arn:aws:sqs:us-east-1:123456789012:my-queue; got 'arn:aws:lambda:us-east-1:123456789012:function:audit', "
            "an ARN of service 'lambda'",
        ),
        (
            lambda stack: "arn:aws:sqs:us-east-1:123456789012:bad/name",
            "dead_letter must be an SQS queue ARN like arn:aws:sqs:us-east-1:123456789012:my-queue; "
            "got 'arn:aws:sqs:us-east-1:123456789012:bad/name'",
        ),
        (
            reference,
            "dead_letter must be an SqsQueue or SnsTopic of the stack, or an existing queue's or topic's ARN like "
            "arn:aws:sqs:us-east-1:123456789012:my-queue; got a reference, which does not say whether it names a "
            "queue or a topic (and so which grant Lambda needs): pass the literal ARN",
        ),
        (
            lambda stack: "dead-letters",
            "dead_letter must be an SqsQueue or SnsTopic of the stack, or an existing queue's or topic's ARN like "
            "arn:aws:sqs:us-east-1:123456789012:my-queue; got str 'dead-letters'",
        ),
    ],
)
def test_a_target_lambda_would_refuse_is_refused_before_the_function_is_added(make_target, message):
    # GIVEN a stack WHEN a function gets a dead-letter target Lambda cannot send to
    stack = new_stack()
    target = make_target(stack)
    with pytest.raises(ConfigurationError) as caught:
        Function(stack, "First", code=FIRST_CODE, dead_letter=target)
    # THEN the message says what was given and what is accepted, and no function was added
    assert str(caught.value) == message
    assert stack.node.try_find_child("First") is None


def test_a_queue_encrypted_with_a_customer_alias_is_refused_before_the_function_is_added():
    stack = new_stack()
    queue = SqsQueue(stack, "DeadLetters", kms_master_key_id="alias/orders")
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "queue 'test/DeadLetters' is encrypted with the KMS alias 'alias/orders'; Lambda needs "
            "kms:GenerateDataKey and kms:Decrypt granted on the key itself"
        ),
    ):
        Function(stack, "First", code=FIRST_CODE, dead_letter=queue)
    assert stack.node.try_find_child("First") is None
