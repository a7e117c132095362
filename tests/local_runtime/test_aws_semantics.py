"""What AWS does beyond our own wiring, run end to end on the corpus stacks written for it.

The stacks are ``tests/corpus/provider_classes/async_world.py`` (the AWS provider classes alone):
``throttling``, ``dead-letters``, ``limits``, ``consumers``, ``loops`` and ``sdk``. Each test states the
AWS behaviour it checks; the pages are listed in docs/local-runtime.md ("What the engine follows").
"""

import base64
import hashlib
import json
import re

import pytest

from local_runtime.engine import Engine, environments
from local_runtime.errors import EngineError
from local_runtime.limits import MAX_ASYNC_PAYLOAD_BYTES, UNTRACKED_LOOP_BOUND
from local_runtime.model import load_stack, stack_file
from tests.support import UUID4

ARN = "arn:aws:lambda:eu-west-1:123456789012:function"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def stacks(provider_classes_outdir):
    names = ("throttling", "dead-letters", "limits", "consumers", "loops", "sdk")
    return {name: load_stack(stack_file(provider_classes_outdir, name)) for name in names}


def run(stack, function, *payloads, **options):
    """Every payload an asynchronous invoke of ``function`` at t=0 (a burst), then run to the end."""
    with Engine(stack, **options) as engine:
        for payload in payloads:
            engine.queue_event(function, payload)
        return engine.drain()


def times(result, function):
    return [i["time"] for i in result.invocations if i["function"] == function]


def throttle_times(result, function):
    return [t["time"] for t in result.throttles if t["function"] == function]


class _Slowed:
    """An execution environment whose invocations take ``seconds`` more of the virtual clock than they ran."""

    def __init__(self, executor, seconds):
        self.executor, self.seconds = executor, seconds

    def invoke(self, request):
        invocation = self.executor.invoke(request)
        invocation.duration_ms += self.seconds * 1000
        return invocation

    def close(self):
        self.executor.close()


@pytest.fixture
def slow_handlers(monkeypatch):
    """``slow_handlers(seconds)``: every handler's run takes that much longer on the virtual clock (its code still runs)."""
    real = environments.executor_for

    def slow(seconds):
        monkeypatch.setattr(environments, "executor_for", lambda *a, **k: _Slowed(real(*a, **k), seconds))

    return slow


# --- 1. concurrency and throttling ---------------------------------------------------------------------


def test_reserved_concurrency_zero_runs_nothing_and_sends_the_event_on_without_retries(stacks):
    # GIVEN Paused: reserved concurrency 0, an on-failure queue and a dead-letter queue
    # WHEN it is invoked asynchronously
    result = run(stacks["throttling"], "Paused", {"n": 1})
    # THEN it never ran, the throttle is reported, and both the destination and the DLQ have the event at once
    assert result.invocations == []
    assert [(t["function"], t["time"]) for t in result.throttles] == [("Paused", 0.0)]
    assert "reserved concurrency 0" in result.throttles[0]["reason"]
    # (the record as AWS recorded it: ZeroReservedConcurrency, no attempt, no response)
    (record,) = result.queues["Failures"]
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"n": 1}
    assert "responseContext" not in record and "responsePayload" not in record
    (dead,) = result.queue_messages["Dead"]
    assert json.loads(dead["body"]) == {"n": 1}
    assert dead["messageAttributes"]["ErrorCode"]["StringValue"] == "429"
    assert result.virtual_seconds == 0.0


def test_a_limit_of_one_throttles_overlapping_events_and_retries_them_with_backoff(stacks, slow_handlers):
    # GIVEN Single: reserved concurrency 1, each execution taking 0.5 s
    slow_handlers(0.5)
    # WHEN three events arrive at once
    result = run(stacks["throttling"], "Single", {"n": 1}, {"n": 2}, {"n": 3})
    # THEN one runs at 0; the others are throttled at 0, and tried again 1 s later: one runs, one is
    # throttled again and runs 2 s after that (AWS: exponential backoff from 1 s)
    assert times(result, "Single") == [0.0, 1.0, 3.0]
    assert throttle_times(result, "Single") == [0.0, 0.0, 1.0]
    assert [i["result"]["n"] for i in result.invocations] == [1, 2, 3]
    # AND throttled attempts are not invocations: each event ran exactly once, as attempt 1
    assert [i["attempt"] for i in result.invocations] == [1, 1, 1]
    assert "Failures" not in result.queues


def test_a_throttled_event_keeps_all_its_retries_for_function_errors(stacks, slow_handlers):
    # GIVEN Single (concurrency 1, 2 retries by default), executions taking 0.5 s
    slow_handlers(0.5)
    # WHEN two failing events arrive at once
    result = run(stacks["throttling"], "Single", {"mode": "fail", "n": 1}, {"mode": "fail", "n": 2})
    # THEN the throttled one still gets three attempts (throttles do not count against the retries)
    second = [i for i in result.invocations if i["request_id"] != result.invocations[0]["request_id"]]
    # (at 1 s, when the throttle's backoff ends; then each retry 60 s, then 120 s, after the attempt
    # before it ended: its 0.5 s plus the handler's own run, however long a loaded machine makes that)
    assert [i["attempt"] for i in second] == [1, 2, 3]
    ends = [i["time"] + i["duration_ms"] / 1000 for i in second]
    assert [i["time"] for i in second] == pytest.approx([1.0, ends[0] + 60, ends[1] + 120], abs=0.002)
    assert throttle_times(result, "Single") == [0.0]
    assert sorted(r["requestPayload"]["n"] for r in result.queues["Failures"]) == [1, 2]
    assert {r["requestContext"]["approximateInvokeCount"] for r in result.queues["Failures"]} == {3}


def test_an_event_throttled_past_its_maximum_age_is_discarded_with_event_age_exceeded(stacks, slow_handlers):
    # GIVEN Aged: concurrency 1, maximum event age 60 s, no retries; an execution takes 100 s
    slow_handlers(100)
    # WHEN two events arrive at once
    result = run(stacks["throttling"], "Aged", {"n": 1}, {"n": 2})
    # THEN the second is throttled at 0, 1, 3, 7, 15 and 31 s (backoff doubling; retries 0 does not stop it),
    # and at 63 s it is over 60 s old: its record says EventAgeExceeded, no attempt having run
    assert times(result, "Aged") == [0.0]
    assert throttle_times(result, "Aged") == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0]
    (record,) = result.queues["Failures"]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"n": 2}


# --- 2. dead-letter queues -----------------------------------------------------------------------------


def test_the_failed_event_goes_to_the_dead_letter_queue_as_well_as_the_on_failure_destination(stacks):
    # GIVEN Failing: no retries, an on-failure queue and a dead-letter queue WHEN it fails
    result = run(stacks["dead-letters"], "Failing", {"mode": "fail", "n": 7})
    (invocation,) = result.invocations
    # THEN the destination has the invocation record, the DLQ the original event with Lambda's attributes
    (record,) = result.queues["Failures"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    (message,) = result.queue_messages["Dead"]
    assert json.loads(message["body"]) == {"mode": "fail", "n": 7}
    attributes = {name: value["StringValue"] for name, value in message["messageAttributes"].items()}
    assert attributes == {"RequestID": invocation["request_id"], "ErrorCode": "200", "ErrorMessage": "asked to fail"}
    assert message["messageAttributes"]["ErrorCode"]["DataType"] == "Number"


def test_a_dead_letter_topic_publishes_the_event_with_the_attributes_to_its_subscribers(stacks):
    # GIVEN ToTopic: a dead-letter topic, which a queue subscribes to WHEN it fails
    result = run(stacks["dead-letters"], "ToTopic", {"mode": "fail"})
    # THEN the subscribed queue has the SNS notification: the event as its message, the attributes as SNS's
    (notification,) = result.queues["DeadInbox"]
    assert json.loads(notification["Message"]) == {"mode": "fail"}
    assert notification["TopicArn"] == "arn:aws:sns:eu-west-1:123456789012:dead-letters-DeadTopic"
    assert notification["MessageAttributes"]["ErrorMessage"] == {"Type": "String", "Value": "asked to fail"}
    assert notification["MessageAttributes"]["RequestID"]["Value"] == result.invocations[0]["request_id"]


def test_a_dead_letter_queue_the_role_may_not_send_to_gets_nothing(stacks):
    # GIVEN Denied: its role has no sqs:SendMessage on its dead-letter queue WHEN it fails
    result = run(stacks["dead-letters"], "Denied", {"mode": "fail"})
    # THEN the queue stays empty, and the loss is reported as DeadLetterErrors naming the missing action
    assert "Dead" not in result.queues
    (dropped,) = result.dropped
    assert dropped["function"] == "Denied"
    assert dropped["reason"].startswith("DeadLetterErrors: the event was not sent to the dead-letter queue")
    assert (
        "role DeniedRole does not allow sqs:SendMessage on arn:aws:sqs:eu-west-1:123456789012:dead-letters-Dead"
        in (dropped["reason"])
    )
    (delivery,) = result.deliveries
    assert (delivery["condition"], delivery["allowed"]) == ("DeadLetter", False)


# --- 3. limits -----------------------------------------------------------------------------------------


def test_an_asynchronous_invoke_over_1_mib_is_refused_before_anything_runs(stacks):
    payload = {"pad": "x" * (1024 * 1024)}
    with Engine(stacks["limits"]) as engine, pytest.raises(EngineError) as error:
        engine.queue_event("Target", payload)
    assert str(error.value).startswith("RequestTooLargeException: ")
    assert f"{len(json.dumps(payload))} bytes, over 1048576" in str(error.value)


def test_a_handlers_invoke_over_1_mib_raises_request_too_large(stacks):
    # WHEN Prober invokes Target asynchronously with a payload just over 1 MiB
    result = run(stacks["limits"], "Prober", {"call": "Event", "size": 1024 * 1024})
    # THEN its SDK call raised RequestTooLargeException and Target never ran
    (invocation,) = result.invocations
    assert invocation["result"]["error"] == "RequestTooLargeException"
    assert "over 1048576 for an asynchronous invocation" in invocation["result"]["message"]


def test_a_payload_of_exactly_1_mib_is_accepted_from_the_engine_and_from_a_handler(stacks):
    # GIVEN payloads of 1,048,576 bytes, the limit itself
    pad = MAX_ASYNC_PAYLOAD_BYTES - len(json.dumps({"mode": "ok", "pad": ""}))
    with Engine(stacks["limits"]) as engine:
        # WHEN one is queued from outside and Prober sends the other with its SDK
        engine.queue_event("Target", {"mode": "ok", "pad": "x" * pad})
        engine.queue_event("Prober", {"call": "Event", "size": pad})
        result = engine.drain()
    # THEN both are taken: Prober's call answers 202 and Target runs twice
    assert [i["result"] for i in result.invocations if i["function"] == "Prober"] == [{"status": 202, "payload": ""}]
    assert len(times(result, "Target")) == 2


def test_a_record_over_snss_256_kib_is_dropped_but_a_queue_takes_it(stacks):
    # GIVEN ToTopic (success to a topic) and ToQueue (success to a queue) returning 300,000 bytes
    big = {"mode": "big", "size": 300_000}
    to_topic = run(stacks["limits"], "ToTopic", big)
    to_queue = run(stacks["limits"], "ToQueue", big)
    # THEN the topic gets nothing: DestinationDeliveryFailures, naming the size and SNS's limit
    assert to_topic.topics == {}
    (dropped,) = to_topic.dropped
    assert re.fullmatch(
        r"Success record not delivered: DestinationDeliveryFailures: the record is 3\d{5} bytes, "
        r"over the 262144-byte limit of sns",
        dropped["reason"],
    )
    # AND the queue (1 MiB) has the record
    (record,) = to_queue.queues["Queue"]
    assert len(record["responsePayload"]["blob"]) == 300_000 and to_queue.dropped == []


# --- 4. S3 records ------------------------------------------------------------------------------------


def test_an_s3_on_failure_record_is_an_object_under_lambdas_documented_key(stacks):
    # GIVEN BucketLooper: on failure to a bucket (which notifies BucketLooper, see the loop tests)
    result = run(stacks["loops"], "BucketLooper", {"mode": "fail"})
    # THEN objects are keyed aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>
    first = result.buckets["LoopBucket"][0]
    key = re.fullmatch(
        r"aws/lambda/async/loops-BucketLooper/(\d{4})/(\d\d)/(\d\d)/(\d{4})-(\d\d)-(\d\d)T\d\d\.\d\d\.\d\d-(.+)",
        first["key"],
    )
    assert key and key.group(1, 2, 3) == key.group(4, 5, 6) and UUID4.fullmatch(key.group(7))
    assert first["body"]["requestPayload"] == {"mode": "fail"}


# --- 5. queue consumers -------------------------------------------------------------------------------


def test_a_mapping_waits_its_batching_window_and_receives_at_most_its_batch_size(stacks):
    # GIVEN Batcher consuming Batched: batch size 10, window 5 s WHEN twelve records arrive at once
    result = run(stacks["consumers"], "BatchProducer", *({"n": n} for n in range(12)))
    # THEN two batches after the window: 10 messages, then 2, each received once; the queue is empty
    batches = [i["result"]["received"] for i in result.invocations if i["function"] == "Batcher"]
    assert [len(b) for b in batches] == [10, 2]
    assert {count for batch in batches for _, count in batch} == {"1"}
    assert all(5.0 <= t < 5.5 for t in times(result, "Batcher"))
    assert result.queues.get("Batched", []) == []


def test_a_consumer_gets_the_sqs_event_lambda_sends(stacks):
    result = run(stacks["consumers"], "Producer", {"n": 1})
    (consumed,) = [i for i in result.invocations if i["function"] == "Consumer"]
    (producer,) = [i for i in result.invocations if i["function"] == "Producer"]
    # THEN the batch names its queue, its message carries the Producer's record, received once
    assert consumed["result"]["source"] == f"{QUEUE_ARN}:consumers-Work"
    ((message_id, count),) = consumed["result"]["received"]
    assert UUID4.fullmatch(message_id) and count == "1"
    assert consumed["time"] >= producer["time"] + 1.0  # its batching window
    assert result.queues.get("Work", []) == []


def test_only_the_reported_items_of_a_partial_batch_come_back_then_redrive_moves_them(stacks):
    # GIVEN Consumer (ReportBatchItemFailures) on Work (redrive after 2 receives, visibility 30 s)
    # WHEN one good and one "partial" record arrive in the same batch
    result = run(stacks["consumers"], "Producer", {"consume": "ok"}, {"consume": "partial"})
    batches = [i for i in result.invocations if i["function"] == "Consumer"]
    # THEN the first batch has both; only the reported one is received again 30 s later, then moved
    assert [len(b["result"]["received"]) for b in batches] == [2, 1]
    assert batches[1]["time"] == pytest.approx(batches[0]["time"] + 30, abs=0.1)
    assert batches[1]["result"]["received"][0][1] == "2"
    (moved,) = result.queue_messages["WorkDead"]
    assert json.loads(moved["body"])["requestPayload"] == {"consume": "partial"}
    assert moved["receiveCount"] == 2
    assert result.queues.get("Work", []) == []


def test_a_failed_batch_comes_back_whole(stacks):
    # WHEN one good and one "fail" record arrive in the same batch
    result = run(stacks["consumers"], "Producer", {"consume": "ok"}, {"consume": "fail"})
    batches = [i for i in result.invocations if i["function"] == "Consumer"]
    # THEN the batch fails twice, 30 s apart (a function error returns every message), then both are redriven
    assert [b["status"] for b in batches] == ["error", "error"]
    assert batches[1]["time"] == pytest.approx(batches[0]["time"] + 30, abs=0.1)
    moved = result.queue_messages["WorkDead"]
    assert sorted(json.loads(m["body"])["requestPayload"]["consume"] for m in moved) == ["fail", "ok"]
    assert {m["receiveCount"] for m in moved} == {2}


def test_messages_that_fail_a_mappings_filter_are_deleted_unseen(stacks):
    # GIVEN Picky consuming Filtered, whose mapping lets through bodies with "keep": true
    # WHEN three messages are sent to the queue from outside the stack
    with Engine(stacks["consumers"]) as engine:
        kept = engine.send_message("Filtered", {"keep": True, "n": 1})
        engine.send_message("Filtered", {"keep": False, "n": 2})
        engine.send_message("Filtered", "not json")
        result = engine.drain()
    # THEN Picky received only the kept one, and the queue is empty: Lambda deleted the others
    assert [i["result"]["received"] for i in result.invocations] == [[[kept, "1"]]]
    assert result.queues.get("Filtered", []) == []


def test_a_message_to_a_queue_the_stack_does_not_have_is_refused(stacks):
    with Engine(stacks["consumers"]) as engine, pytest.raises(EngineError) as error:
        engine.send_message("Elsewhere", "{}")
    assert str(error.value).startswith(
        "no queue 'Elsewhere' in stack consumers; its queues: Batched, Delayed, Filtered, "
    )


def test_a_disabled_mapping_leaves_the_messages_in_the_queue(stacks):
    result = run(stacks["consumers"], "IdleProducer", {"n": 1})
    assert times(result, "Idler") == []
    (record,) = result.queues["Idle"]
    assert record["requestPayload"] == {"n": 1}


def test_a_mapping_whose_role_may_not_poll_is_reported_broken_and_consumes_nothing(stacks):
    result = run(stacks["consumers"], "OrphanProducer", {"n": 1})
    assert times(result, "Orphaned") == []
    assert len(result.queues["Orphan"]) == 1
    assert result.problems == [
        "event source mapping OrphanMapping is broken: the role of Orphaned does not allow "
        "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on sqs_queue:Orphan (Lambda refuses to create it)"
    ]


RECORD_KEYS = [
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfMessageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
]
BOOK = {  # the attributes of LocalStack's recorded test_message_body_and_attributes_passed_correctly
    "Title": {"DataType": "String", "StringValue": "The Whistler"},
    "Author": {"DataType": "String", "StringValue": "John Grisham"},
    "WeeksOn": {"DataType": "Number", "StringValue": "6"},
}


def inspected(stacks, queue, body, attributes=None):
    """The one record Inspector received for a message sent to ``queue``."""
    with Engine(stacks["consumers"]) as engine:
        engine.send_message(queue, body, attributes)
        result = engine.drain()
    (invocation,) = result.invocations
    (record,) = invocation["result"]["request_payload"]["Records"]
    return record, invocation


def test_an_sqs_record_has_awss_keys_in_awss_order_and_the_attributes_md5(stacks):
    # GIVEN the message and attributes AWS's recording sent WHEN Inspector receives it
    record, _ = inspected(stacks, "Inspected", {"n": 1}, BOOK)
    # THEN the record is as AWS recorded it (LocalStack's test_lambda_integration_sqs.snapshot.json, 8b9a79f0)
    assert list(record) == RECORD_KEYS
    assert record["md5OfMessageAttributes"] == "d25a6aea97eb8f585bfa92d314504a92"
    assert record["messageAttributes"]["WeeksOn"] == {
        "stringValue": "6",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Number",
    }
    assert record["md5OfBody"] == hashlib.md5(b'{"n": 1}').hexdigest()
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        f"{QUEUE_ARN}:consumers-Inspected",
        "eu-west-1",
    )
    assert list(record["attributes"]) == [
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    ]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["receiptHandle"] and record["receiptHandle"] != record["messageId"]


def test_without_attributes_the_md5_is_left_out_without_a_window_and_null_with_one(stacks):
    # (AWS's recordings: absent in every mapping without a batching window, null in every one with one)
    without_window, _ = inspected(stacks, "Inspected", "plain")
    with_window, _ = inspected(stacks, "InspectedWindowed", "plain")
    assert "md5OfMessageAttributes" not in without_window
    assert with_window["md5OfMessageAttributes"] is None
    assert without_window["messageAttributes"] == with_window["messageAttributes"] == {}


def test_a_queues_delay_holds_each_message_back_that_long(stacks):
    _, invocation = inspected(stacks, "Delayed", "later")
    assert invocation["time"] == pytest.approx(5.0, abs=0.01)


def test_a_mapping_without_report_batch_item_failures_ignores_the_items_a_handler_names(stacks):
    # GIVEN a mapping without ReportBatchItemFailures WHEN its handler names a message as failed
    with Engine(stacks["consumers"]) as engine:
        engine.send_message("Unreported", {"consume": "partial"})
        result = engine.drain()
    # THEN Lambda took the whole batch as a success: one invocation, the queue empty
    assert times(result, "UnreportedConsumer") == [0.0]
    assert result.invocations[0]["result"]["batchItemFailures"] != []
    assert result.queues.get("Unreported", []) == []


def test_a_batch_item_failure_without_an_item_identifier_fails_the_whole_batch(stacks):
    # GIVEN Consumer (ReportBatchItemFailures; redrive after 2) WHEN it names a failure without itemIdentifier
    result = run(stacks["consumers"], "Producer", {"consume": "ok"}, {"consume": "malformed"})
    batches = [i for i in result.invocations if i["function"] == "Consumer"]
    # THEN both messages come back, twice, and are moved to the dead-letter queue (AWS's recording too)
    assert [len(b["result"]["received"]) for b in batches] == [2, 2]
    moved = result.queue_messages["WorkDead"]
    assert sorted(json.loads(m["body"])["requestPayload"]["consume"] for m in moved) == ["malformed", "ok"]


def test_a_message_past_the_queues_retention_period_is_deleted(stacks):
    # GIVEN ShortLived keeps messages 60 s (visibility 30 s) WHEN its consumer fails every receive
    with Engine(stacks["consumers"]) as engine:
        engine.send_message("ShortLived", {"consume": "fail"})
        result = engine.drain()
    # THEN it is received at 0, 30 and 60 s; by the next receive it is over 60 s old: gone, moved nowhere
    assert times(result, "ShortLivedConsumer") == pytest.approx([0.0, 30.0, 60.0], abs=0.1)
    assert result.queues.get("ShortLived", []) == []


def test_a_mappings_maximum_concurrency_bounds_the_batches_running_at_once(stacks, slow_handlers):
    # GIVEN Scaled: batches of 1, at most 2 running at once, each taking 10 s WHEN 4 messages arrive
    slow_handlers(10)
    with Engine(stacks["consumers"]) as engine:
        for n in range(4):
            engine.send_message("Scaled", {"n": n})
        result = engine.drain()
    # THEN two run at once, and the next two as they end
    assert times(result, "ScaledConsumer") == pytest.approx([0.0, 0.0, 10.0, 10.0], abs=0.1)


# --- 6. loops through services -------------------------------------------------------------------------


def test_a_loop_through_a_queue_stops_at_16_and_the_queue_redrives_the_message(stacks):
    # GIVEN QueueLooper sending to LoopQueue, which invokes it (redrive after 3 receives)
    result = run(stacks["loops"], "QueueLooper", {"hop": 0})
    # THEN it ran 16 times; the 17th is not run: the message comes back 3 times, then moves to LoopDead
    assert len(times(result, "QueueLooper")) == 16
    (moved,) = result.queue_messages["LoopDead"]
    assert json.loads(moved["body"]) == {"hop": 16} and moved["receiveCount"] == 3
    assert result.queues.get("LoopQueue", []) == []
    assert result.problems == []


def test_a_loop_through_a_topic_stops_at_16_and_the_stopped_event_goes_to_the_on_failure_destination(stacks):
    result = run(stacks["loops"], "TopicLooper", {"hop": 0})
    assert len(times(result, "TopicLooper")) == 16
    (record,) = result.queues["Stops"]
    assert record["requestContext"]["condition"] == "RecursiveInvocationException"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert json.loads(record["requestPayload"]["Records"][0]["Sns"]["Message"]) == {"hop": 16}


def test_a_loop_through_a_bucket_stops_at_16_and_its_stopped_record_is_not_looped_again(stacks):
    # GIVEN BucketLooper failing on every event, on failure to the bucket that notifies it
    result = run(stacks["loops"], "BucketLooper", {"mode": "fail"})
    # THEN 16 failed runs, 16 failure records and the stopped event's record in the bucket; the stopped
    # record's own notification is dropped rather than stopped and recorded forever
    assert [i["status"] for i in result.invocations] == ["error"] * 16
    conditions = [o["body"]["requestContext"]["condition"] for o in result.buckets["LoopBucket"]]
    assert conditions == ["RetriesExhausted"] * 16 + ["RecursiveInvocationException"]
    assert result.dropped[-1]["reason"].startswith("RecursiveInvocationException: event ")
    assert result.dropped[-1]["reason"].endswith("was stopped again; not sent on")


def test_a_function_allowed_to_loop_runs_past_16(stacks):
    # GIVEN AllowedLooper (recursion config Allow) looping through a queue until its 20th hop
    result = run(stacks["loops"], "AllowedLooper", {"hop": 0})
    assert len(times(result, "AllowedLooper")) == 21
    assert result.queues.get("AllowedQueue", []) == []


def test_a_loop_through_eventbridge_is_not_stopped_by_lambda_and_is_reported(stacks):
    # GIVEN BusLooper: success to the default bus, whose rule invokes it again
    result = run(stacks["loops"], "BusLooper", {"n": 1})
    # THEN Lambda's 16 does not apply (EventBridge is not tracked); the engine's bound stops it, with a warning
    assert len(times(result, "BusLooper")) == UNTRACKED_LOOP_BOUND
    assert result.problems == [
        "BusLooper runs in a loop through a service Lambda's recursion detection does not follow "
        "(it covers Lambda, SQS, SNS and S3): the engine stopped it after 100 invocations; on AWS it would go on"
    ]


# --- 7. DryRun and the 202 ----------------------------------------------------------------------------


def test_a_dry_run_checks_the_permission_and_runs_nothing(stacks):
    allowed = run(stacks["limits"], "Prober", {"call": "DryRun"})
    refused = run(stacks["limits"], "Prober", {"call": "DryRun", "target": "limits-Other"})
    assert [i["function"] for i in allowed.invocations] == ["Prober"]
    assert allowed.invocations[0]["result"] == {"status": 204, "payload": ""}
    assert refused.invocations[0]["result"]["error"] == "AccessDeniedException"
    assert f"lambda:InvokeFunction on resource: {ARN}:limits-Other" in refused.invocations[0]["result"]["message"]


def test_an_event_invoke_answers_202_with_an_empty_payload_and_runs_the_target_later(stacks):
    result = run(stacks["limits"], "Prober", {"call": "Event"})
    assert [i["function"] for i in result.invocations] == ["Prober", "Target"]
    assert result.invocations[0]["result"] == {"status": 202, "payload": ""}
    assert result.invocations[1]["result"]["ok"] is True


# --- what handlers send with their SDK -----------------------------------------------------------------


def test_a_handlers_sends_reach_the_queue_topic_bus_and_bucket_and_what_they_feed(stacks):
    body = {"hello": "world"}
    with Engine(stacks["sdk"]) as engine:
        for call in ("SendMessage", "Publish", "PutEvents"):
            engine.queue_event("Prober", {"call": call, "body": body})
        engine.queue_event("Prober", {"call": "PutObject", "key": "in/probe.json", "body": body})
        result = engine.drain()
    assert all("error" not in i["result"] for i in result.invocations)
    assert result.queues["Inbox"] == [body]
    assert result.queues["TopicInbox"] == [body]  # raw message delivery
    assert result.queues["BusInbox"] == [body]  # the rule's input path: $.detail
    assert result.buckets["Store"] == [{"key": "in/probe.json", "body": body}]
    (notification,) = result.queues["BucketInbox"]
    assert notification["Records"][0]["s3"]["object"]["key"] == "in/probe.json"


def test_a_role_without_grants_is_denied_each_send(stacks):
    with Engine(stacks["sdk"]) as engine:
        for call in ("SendMessage", "Publish", "PutEvents", "PutObject"):
            engine.queue_event("Unprivileged", {"call": call, "body": {}, "key": "in/x"})
        result = engine.drain()
    # THEN each is refused with the code its service answers, naming the action
    errors = {i["result"]["error"] for i in result.invocations}
    assert errors == {"AccessDenied", "AuthorizationError", "AccessDeniedException"}
    messages = " ".join(i["result"]["message"] for i in result.invocations)
    for action in ("sqs:SendMessage", "sns:Publish", "events:PutEvents", "s3:PutObject"):
        assert f"is not authorized to perform: {action}" in messages
    assert result.queues == {} and result.buckets == {}


# --- SNS notifications, as AWS recorded them --------------------------------------------------------------
# LocalStack's tests/aws/services/sns/test_sns.snapshot.json (commit 8b9a79f05846835cf4dff63ab7eefdde9df83783):
# the Lambda event's Sns object and the JSON a queue receives differ in key names and in what they omit.

LAMBDA_SNS_KEYS = [
    "Type",
    "MessageId",
    "TopicArn",
    "Subject",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertUrl",
    "UnsubscribeUrl",
    "MessageAttributes",
]
SIGNING_CERT = re.compile(r"https://sns\.eu-west-1\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{32}\.pem")
NOTICES = "arn:aws:sns:eu-west-1:123456789012:sdk-Notices"


def publish_notice(stacks, **options):
    """Prober publishes ``{"n": 1}`` to Notices: (its answer, the Listener's event, the queue's raw body)."""
    with Engine(stacks["sdk"]) as engine:
        answer = engine.invoke_sync("Prober", {"call": "Publish", "topic": "NOTICES_ARN", "body": {"n": 1}, **options})
        result = engine.drain()
    (listener,) = [i for i in result.invocations if i["function"] == "Listener"]
    (message,) = result.queue_messages["NoticeInbox"]
    return answer.result, listener["result"]["request_payload"], message["body"]


def test_a_notification_reaches_a_function_as_the_sns_record_aws_sends(stacks):
    answer, event, _ = publish_notice(stacks)
    (record,) = event["Records"]
    sns = record["Sns"]
    # THEN every key AWS sends, in its order, a null Subject and empty attributes included
    assert list(sns) == LAMBDA_SNS_KEYS
    assert (sns["Subject"], sns["MessageAttributes"], sns["SignatureVersion"]) == (None, {}, "1")
    assert (sns["MessageId"], sns["TopicArn"], sns["Message"]) == (answer["message_id"], NOTICES, '{"n": 1}')
    assert len(base64.b64decode(sns["Signature"], validate=True)) == 256
    assert SIGNING_CERT.fullmatch(sns["SigningCertUrl"])
    # AND the record names the subscription, which the unsubscribe URL carries
    assert re.fullmatch(f"{NOTICES}:{UUID}", record["EventSubscriptionArn"])
    assert sns["UnsubscribeUrl"] == (
        f"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={record['EventSubscriptionArn']}"
    )
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")


def test_a_notification_reaches_a_queue_as_the_json_aws_sends_without_subject_or_attributes(stacks):
    _, _, body = publish_notice(stacks)
    notification = json.loads(body)
    # THEN the URL keys are capitalised, and what the message lacks is absent, not null
    assert list(notification) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
    ]
    assert SIGNING_CERT.fullmatch(notification["SigningCertURL"])
    assert notification["UnsubscribeURL"].startswith(
        f"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={NOTICES}:"
    )


def test_a_subject_and_attributes_reach_both_in_their_places(stacks):
    _, event, body = publish_notice(stacks, subject="Hello", attributes={"kind": "greeting"})
    notification, sns = json.loads(body), event["Records"][0]["Sns"]
    assert list(notification)[3] == "Subject" and list(notification)[-1] == "MessageAttributes"
    assert notification["Subject"] == sns["Subject"] == "Hello"
    assert (
        notification["MessageAttributes"]
        == sns["MessageAttributes"]
        == {"kind": {"Type": "String", "Value": "greeting"}}
    )


def test_a_subscription_keeps_its_arn_from_one_notification_to_the_next(stacks):
    first, second = (publish_notice(stacks)[1]["Records"][0]["EventSubscriptionArn"] for _ in range(2))
    assert first == second


def published(stacks, *messages):
    """Prober publishes each (body, attributes) to Notices: what each filtered queue then holds."""
    with Engine(stacks["sdk"]) as engine:
        for body, attributes in messages:
            options = {"attributes": attributes} if attributes else {}
            engine.queue_event("Prober", {"call": "Publish", "topic": "NOTICES_ARN", "body": body, **options})
        result = engine.drain()
    return {
        queue: [json.loads(m["Message"]) for m in result.queues.get(queue, [])]
        for queue in ("BodyFiltered", "AttributeFiltered")
    }


def test_a_message_body_policy_takes_only_the_json_bodies_aws_delivered(stacks):
    # GIVEN LocalStack's recorded policy on the body WHEN the recorded messages are published
    delivered = [{"object": {"key": "auto-test"}}, {"object": {"key": "hardcodedvalue"}}]
    refused = [
        {"object": {"key": "test-auto"}},
        {"object": {"key": "auto-test"}, "test": "just-exists"},
        {"object": {"key": "auto-test", "nested_key": "just-exists"}},
        {"object": {"test": "auto-test"}},
        {"test": "auto-test"},
        "Regular string message",
    ]
    queues = published(stacks, *((body, None) for body in [*refused, *delivered]))
    # THEN only the two AWS delivered reach the queue
    assert sorted(queues["BodyFiltered"], key=json.dumps) == sorted(delivered, key=json.dumps)


def test_an_attribute_policy_compares_numbers_and_refuses_messages_without_the_attribute(stacks):
    queues = published(stacks, ({"n": 99}, {"attr1": 99}), ({"n": 111}, {"attr1": 111}), ({"n": 0}, None))
    assert queues["AttributeFiltered"] == [{"n": 99}]
