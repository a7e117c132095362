"""What Lambda sends to a function's dead-letter queue or topic after an asynchronous invoke failed.

Recordings (``recordings/``): ``dlq_sqs`` (LocalStack's test_lambda_destinations.snapshot.json,
TestLambdaDLQ), ``dlq_sqs_retries0`` (event_source_mapping/test_lambda_integration_sqs.snapshot.json)
and ``dlq_sns`` (sns/test_sns.snapshot.json, a topic as the dead-letter target, a queue subscribed to
it). Stack: ``conformance-async``.
"""

import json

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording
from tests.conformance.runs import received, run_async

# What SNS adds to what it delivers, which the runtime does not (tests/conformance/test_sns.py).
SIGNATURE_IN_ENVELOPE = (
    "$.Body.SignatureVersion",
    "$.Body.Signature",
    "$.Body.SigningCertURL",
    "$.Body.UnsubscribeURL",
)
SIGNATURE_IN_LAMBDA_EVENT = tuple(
    f"$.Body.Message.Records[0].Sns.{key}"
    for key in ("SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl")
)


def only_message(run, queue):
    (message,) = run.queue_messages[queue]
    return received(message)


def test_the_dead_letter_message_is_the_event_with_lambdas_three_attributes(conformance_stack):
    # GIVEN DeadToQueue: a dead-letter queue, no invoke config (2 retries)
    # WHEN every attempt of {"raise_error": 1} fails
    run = run_async(conformance_stack("async"), "DeadToQueue", {"raise_error": 1})
    # THEN the queue holds the event byte for byte (AWS's MD5 of the body is compared as recorded)
    # with ErrorCode 200 (a Number), ErrorMessage and RequestID
    recording("dlq_sqs")["message"].check(only_message(run, "Dead"))


def test_the_dead_letter_message_after_no_retries_is_the_same(conformance_stack):
    # GIVEN DeadToQueueOnce: a dead-letter queue, MaximumRetryAttempts 0
    run = run_async(conformance_stack("async"), "DeadToQueueOnce", {"raise_error": 1})
    # THEN the same message as after three attempts
    recording("dlq_sqs_retries0")["message"].check(only_message(run, "Dead"))


@pytest.fixture(scope="module")
def through_dead_letter_topic(conformance_stack):
    """The topic Trigger -> SnsSubscriber (fails; its dead-letter target the topic DeadTopic) -> DeadInbox."""
    with Engine(conformance_stack("async")) as engine:
        engine.invoke_sync("Publisher", {"publish": {"Message": json.dumps({"raise_error": 1})}})
        run = engine.drain()
    return only_message(run, "DeadInbox")


def test_a_dead_letter_topic_delivers_the_event_and_the_attributes_apart_from_the_signature_and_subject(
    through_dead_letter_topic,
):
    # GIVEN SnsSubscriber, invoked by the topic Trigger with {"raise_error": 1}, failing; its
    # dead-letter topic notifies the queue DeadInbox (no raw delivery)
    # THEN the notification's Message is the SNS event the function got, and its MessageAttributes
    # Lambda's ErrorCode, ErrorMessage and RequestID as SNS writes them ({Type, Value})
    recording("dlq_sns")["message"].check(
        through_dead_letter_topic, ignore=(*SIGNATURE_IN_ENVELOPE, *SIGNATURE_IN_LAMBDA_EVENT, "$.Body.Subject")
    )
