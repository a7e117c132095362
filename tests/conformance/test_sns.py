"""What an SNS topic hands its subscribers: a Lambda function an event of one record, a queue the
notification's JSON (the envelope), or with raw delivery the bare message.

Recordings (``recordings/``): ``sns_lambda_notification_with_subject``, ``dlq_sns`` (its
``lambda_record``: a Lambda event without a subject), ``sns_sqs_notification_with_subject``,
``sns_sqs_notification_with_number_attribute`` and ``sns_sqs_raw_delivery``, all from LocalStack's
sns/test_sns.snapshot.json. Stack: ``conformance-messaging``: the topic Notices with Echo (a
function answering with its event), NoticeInbox and RawInbox (raw delivery) subscribed; Publisher
publishes as each recorded test did.

Each test compares the whole recorded excerpt.
"""

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording
from tests.conformance.runs import received

NUMBER_99 = {"attr1": {"DataType": "Number", "StringValue": "99.12"}}
PUBLISHED = {  # as the recorded tests published
    "lambda_with_subject": {"Message": "Hello world.", "Subject": "[Subject] Test subject"},
    "lambda_without_subject": {"Message": '{"raise_error": 1}'},
    "queue_with_subject": {"Message": "test_message_after", "Subject": "test-subject-after-sub"},
    "queue_with_attribute": {"Message": "This is a test message", "MessageAttributes": NUMBER_99},
    "raw_with_attribute": {"Message": "Test msg", "MessageAttributes": NUMBER_99},
}


@pytest.fixture(scope="module")
def delivered(conformance_stack):
    """For each publication: what Echo received, and what NoticeInbox and RawInbox hold (as received)."""
    got = {}
    with Engine(conformance_stack("messaging")) as engine:
        for name, request in PUBLISHED.items():
            engine.invoke_sync("Publisher", {"publish": request})
            run = engine.drain()
            got[name] = {
                "lambda": run.results_of("Echo")[-1],
                "envelope": received(run.queue_messages["NoticeInbox"][-1]),
                "raw": received(run.queue_messages["RawInbox"][-1]),
            }
    return got


def sns_of(event):
    (record,) = event["Records"]
    return record["Sns"]


# --- to a Lambda function ---------------------------------------------------------------------------------


def test_a_function_gets_a_signed_notification(delivered):
    # GIVEN the notification Echo received
    sns = sns_of(delivered["lambda_with_subject"]["lambda"])
    # THEN it carries SNS's signature, its certificate's URL and the unsubscribe URL (Url, not URL)
    recording("sns_lambda_notification_with_subject")["sns"].check(sns)


def test_a_function_gets_a_null_subject_and_empty_attributes_when_none_were_published(delivered):
    # WHEN '{"raise_error": 1}' is published without a subject or attributes
    (record,) = delivered["lambda_without_subject"]["lambda"]["Records"]
    # THEN the record: EventSource aws:sns, EventVersion "1.0", EventSubscriptionArn (topic ARN and
    # subscription id), and Sns with "Subject": null and "MessageAttributes": {}
    recording("dlq_sns")["lambda_record"].check(record)


# --- to a queue, as the notification's JSON ---------------------------------------------------------------


def test_a_queue_gets_a_signed_envelope(delivered):
    # GIVEN the envelope NoticeInbox received
    message = delivered["queue_with_subject"]["envelope"]
    # THEN it carries SNS's signature, its certificate's URL and the unsubscribe URL (URL, not Url)
    recording("sns_sqs_notification_with_subject")["message"].check(message)


def test_an_envelope_carries_the_published_attributes_as_type_and_value_and_no_subject(delivered):
    # WHEN "This is a test message" is published with attr1, a Number 99.12, and no subject
    message = delivered["queue_with_attribute"]["envelope"]
    # THEN the envelope's MessageAttributes: {"attr1": {"Type": "Number", "Value": "99.12"}}, last
    recording("sns_sqs_notification_with_number_attribute")["message"].check(message)


# --- to a queue, raw ----------------------------------------------------------------------------------------


def test_a_raw_delivery_keeps_the_published_attributes_as_message_attributes(delivered):
    # GIVEN the raw delivery of a message published with attr1
    message = delivered["raw_with_attribute"]["raw"]
    # THEN the queue's message has it as an SQS message attribute
    recording("sns_sqs_raw_delivery")["message"].check(message)
