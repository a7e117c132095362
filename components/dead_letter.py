"""A function's dead-letter queue or topic: where Lambda sends an asynchronous event it gave up on.

``Function(..., dead_letter=...)`` takes an ``SqsQueue`` or ``SnsTopic`` of the stack, or the literal
ARN of an existing queue or topic. The function gets ``dead_letter_config.target_arn``, and its role
exactly what Lambda's sending takes: ``sqs:SendMessage`` on the queue or ``sns:Publish`` on the topic,
plus ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the customer-managed KMS key of a queue or topic
of the stack (``components.messaging``). Lambda checks that grant when it creates or updates the
function, so it lives in a policy of its own that the function waits for (the default policy may
name the function itself, as a self-invoking one's does, which would make a cycle).

Lambda sends dead letters to standard queues and topics only: a FIFO one is refused at synth, and
so is a reference (a data source's ``arn``), which does not say whether it names a queue or a topic.
Only asynchronous invocations use it, after their retries (the event is the message body; with an
on-failure destination configured too, Lambda sends to both). A function reading an SQS queue fails
its messages back to that queue, whose own redrive policy is their dead-letter queue.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components.arns import SNS_TOPIC, SQS_QUEUE, is_reference
from components.errors import ConfigurationError
from components.messaging import KMS_SEND_ACTIONS, PUBLISH_ACTIONS, Grantee, QueueRef, TopicRef

PARAMETER = "dead_letter"
SEND_ACTIONS = ("sqs:SendMessage",)
ACCEPTED = f"an SqsQueue or SnsTopic of the stack, or an existing queue's or topic's ARN like {SQS_QUEUE.example}"


def dead_letter_target(target: object) -> QueueRef | TopicRef:
    """The queue or topic ``target`` names, checked; ConfigurationError saying what is accepted otherwise."""
    ref: QueueRef | TopicRef
    if isinstance(target, SqsQueue):
        ref = QueueRef.of(target, PARAMETER)
    elif isinstance(target, SnsTopic):
        ref = TopicRef.of(target, PARAMETER)
    elif isinstance(target, str) and target.startswith("arn:") and target.count(":") >= 5:
        service = target.split(":")[2]
        if service == SQS_QUEUE.service:
            ref = QueueRef.of(target, PARAMETER)
        elif service == SNS_TOPIC.service:
            ref = TopicRef.of(target, PARAMETER)
        else:
            raise ConfigurationError(f"{PARAMETER} must be {ACCEPTED}; got {target!r}, an ARN of service {service!r}")
    elif isinstance(target, str) and is_reference(target):
        raise ConfigurationError(
            f"{PARAMETER} must be {ACCEPTED}; got a reference, which does not say whether it names a queue or a "
            "topic (and so which grant Lambda needs): pass the literal ARN"
        )
    else:
        raise ConfigurationError(f"{PARAMETER} must be {ACCEPTED}; got {type(target).__name__} {target!r}")
    if ref.fifo:
        raise ConfigurationError(
            f"{PARAMETER}: {ref.label} is a FIFO {ref.kind}; Lambda sends dead letters only to standard queues and "
            "topics"
        )
    return ref


def grant_dead_letter(scope: Construct, target: QueueRef | TopicRef, add: Grantee) -> None:
    """``add`` what sending a dead letter to ``target`` takes: send or publish, and its customer key's use."""
    actions = SEND_ACTIONS if isinstance(target, QueueRef) else PUBLISH_ACTIONS
    target.grant(scope, add, actions, key_actions=KMS_SEND_ACTIONS)
