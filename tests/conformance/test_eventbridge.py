"""An event put on a bus, as the rule's targets get it: a Lambda function the event, a queue its JSON.

Recordings (``recordings/``): ``events_lambda_target`` and ``events_sqs_target``, from LocalStack's
events/test_events_targets.snapshot.json. Stack: ``conformance-messaging``: the bus Commands, whose
rule (source, detail-type and detail.command) targets Echo and the queue CommandInbox; Publisher
puts the event the recorded tests put.
"""

import json

import pytest

from local_runtime.engine import Engine
from tests.conformance.recorded import recording
from tests.conformance.runs import received

UPDATE_ACCOUNT = {
    "Source": "core.update-account-command",
    "DetailType": "core.update-account-command",
    "Detail": json.dumps({"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}),
}


@pytest.fixture(scope="module")
def targets_got(conformance_stack):
    with Engine(conformance_stack("messaging")) as engine:
        engine.invoke_sync("Publisher", {"put_events": UPDATE_ACCOUNT})
        run = engine.drain()
    (message,) = run.queue_messages["CommandInbox"]
    (event,) = run.results_of("Echo")
    return {"lambda": event, "queue": received(message)}


def test_a_function_target_gets_the_events_keys_in_awss_order(targets_got):
    # GIVEN the event Echo got
    # THEN its keys come in AWS's order
    recording("events_lambda_target")["event"].check(targets_got["lambda"])


def test_a_queue_target_gets_the_events_keys_in_awss_order(targets_got):
    # GIVEN the message CommandInbox holds
    # THEN the body's keys come in AWS's order
    recording("events_sqs_target")["message"].check(targets_got["queue"])
