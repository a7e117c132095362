"""A handler's SDK calls, made with boto3 (Python) and with the SDK for JavaScript v3 (Node.js), stay
on the machine and answer as the services do.

The stack is the corpus' ``sdk`` (tests/corpus/provider_classes/async_world.py): one role allowed to
send to a queue, publish to a topic, put events on a bus, put, get and list a bucket's objects, put
and get a table's items and invoke a function. ``Prober`` (Python) and ``NodeProber`` (Node.js) make
the same calls and report the answers in the same words, so each behaviour is checked once per SDK.
"""

import dataclasses
import hashlib
import json
import re
import shutil

import pytest

from local_runtime.engine import Engine
from local_runtime.limits import LOCAL_ENVIRONMENTS_BOUND
from local_runtime.model import load_stack, stack_file
from local_runtime.runtimes.node import sdk_modules
from tests.support import needs

PROBERS = [
    pytest.param("Prober", id="boto3"),
    pytest.param(
        "NodeProber",
        id="sdk-js-v3",
        marks=needs(shutil.which("node") is not None and sdk_modules() is not None, "node and its SDK v3"),
    ),
]
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z")


@pytest.fixture(scope="module")
def sdk_stack(provider_classes_outdir):
    return load_stack(stack_file(provider_classes_outdir, "sdk"))


def calls(stack, prober, *events):
    """Each event one invocation of ``prober``, one after the other, in one engine: what each returned."""
    with Engine(stack) as engine:
        answers = [engine.invoke_sync(prober, event).result for event in events]
        return answers, engine.drain()


@pytest.mark.parametrize("prober", PROBERS)
def test_a_message_sent_by_queue_url_reaches_the_queue_with_its_md5(sdk_stack, prober):
    (answer,), result = calls(sdk_stack, prober, {"call": "SendMessage", "body": {"n": 1}})
    # THEN SQS answers the MD5 of the body as the SDK sent it (json.dumps and JSON.stringify differ)
    sent = b'{"n": 1}' if prober == "Prober" else b'{"n":1}'
    assert answer["md5"] == hashlib.md5(sent).hexdigest()
    assert result.queues["Inbox"] == [{"n": 1}]


@pytest.mark.parametrize("prober", PROBERS)
def test_a_message_published_to_the_topic_reaches_its_subscribed_queue(sdk_stack, prober):
    (answer,), result = calls(sdk_stack, prober, {"call": "Publish", "body": {"n": 2}})
    assert re.fullmatch(r"[0-9a-f-]{36}", answer["message_id"])
    assert result.queues["TopicInbox"] == [{"n": 2}]


@pytest.mark.parametrize("prober", PROBERS)
def test_an_event_put_on_the_bus_reaches_the_rules_target(sdk_stack, prober):
    (answer,), result = calls(sdk_stack, prober, {"call": "PutEvents", "body": {"n": 3}})
    assert answer == {"failed": 0, "entries": 1}
    assert result.queues["BusInbox"] == [{"n": 3}]


@pytest.mark.parametrize("prober", PROBERS)
@pytest.mark.parametrize("addressing", ["default", "path", "virtual-host"])
def test_an_object_put_is_read_back_with_its_etag_type_and_length(sdk_stack, prober, addressing):
    # GIVEN an object put in the stack's bucket, the bucket addressed each way S3 allows
    put = {"call": "PutObject", "key": "notes/a.txt", "body": "hello, bucket", "content_type": "text/plain"}
    get = {"call": "GetObject", "key": "notes/a.txt"}
    (stored, read), _ = calls(sdk_stack, prober, {**put, "addressing": addressing}, {**get, "addressing": addressing})
    # THEN reading it back gives its bytes and what S3 says of them
    etag = f'"{hashlib.md5(b"hello, bucket").hexdigest()}"'
    assert stored == {"stored": "notes/a.txt", "etag": etag}
    assert {k: v for k, v in read.items() if k != "last_modified"} == {
        "body": "hello, bucket",
        "content_type": "text/plain",
        "etag": etag,
        "length": 13,
    }
    assert ISO_MILLIS.fullmatch(read["last_modified"])


@pytest.mark.parametrize("prober", PROBERS)
def test_a_key_never_put_is_no_such_key(sdk_stack, prober):
    (answer,), _ = calls(sdk_stack, prober, {"call": "GetObject", "key": "never/put"})
    assert answer == {"error": "NoSuchKey", "message": "The specified key does not exist."}


@pytest.mark.parametrize("prober", PROBERS)
def test_listing_gives_the_prefixs_keys_in_order_a_page_at_a_time(sdk_stack, prober):
    # GIVEN three objects under logs/ and one elsewhere
    puts = [{"call": "PutObject", "key": key, "body": "x"} for key in ("logs/b", "logs/a", "other/c", "logs/c")]
    first = {"call": "ListObjectsV2", "prefix": "logs/", "max_keys": 2}
    answers, _ = calls(sdk_stack, prober, *puts, first)
    page = answers[-1]
    # THEN the first page has two keys in order and a token for the rest
    assert page == {"keys": ["logs/a", "logs/b"], "count": 2, "truncated": True, "next": page["next"]}
    assert page["next"]
    # AND the token gives the last one
    rest = calls(sdk_stack, prober, *puts, {**first, "token": page["next"]})[0][-1]
    assert rest == {"keys": ["logs/c"], "count": 1, "truncated": False, "next": None}


@pytest.mark.parametrize("prober", PROBERS)
def test_keys_with_spaces_and_accents_are_listed_as_put_after_start_after(sdk_stack, prober):
    # GIVEN keys S3 must encode in its answer
    keys = ("docs/a b+c.txt", "docs/été.txt", "docs/zz")
    puts = [{"call": "PutObject", "key": key, "body": "x"} for key in keys]
    # WHEN listed after the first
    answers, _ = calls(sdk_stack, prober, *puts, {"call": "ListObjectsV2", "prefix": "docs/", "start_after": keys[0]})
    # THEN the SDK gives back the keys as they were put, in UTF-8 order
    assert answers[-1] == {"keys": ["docs/zz", "docs/été.txt"], "count": 2, "truncated": False, "next": None}


@pytest.mark.parametrize("prober", PROBERS)
def test_an_item_put_in_the_table_is_read_back(sdk_stack, prober):
    item = {"id": {"S": "k-1"}, "count": {"N": "3"}, "tags": {"SS": ["a"]}}
    answers, result = calls(
        sdk_stack, prober, {"call": "PutItem", "item": item}, {"call": "GetItem", "key": {"id": {"S": "k-1"}}}
    )
    assert answers == [{}, {"item": item}]
    assert result.tables["Table"] == [{"id": "k-1", "count": 3, "tags": ["a"]}]


@pytest.mark.parametrize("prober", PROBERS)
def test_a_synchronous_invoke_runs_the_function_at_once_and_answers_its_result(sdk_stack, prober):
    (answer,), result = calls(sdk_stack, prober, {"call": "RequestResponse", "payload": {"numbers": [1, 2, 3]}})
    assert {k: answer[k] for k in ("status", "version")} == {"status": 200, "version": "$LATEST"}
    assert json.loads(answer["payload"])["sum"] == 6
    # THEN Target ran inside the prober's invocation: it started later and ended first
    prober_run, target_run = sorted(result.invocations, key=lambda i: i["time"])
    assert (prober_run["function"], target_run["function"]) == (prober, "Target")
    assert result.invocations[0] is target_run


@pytest.mark.parametrize("prober", PROBERS)
def test_a_synchronous_invoke_of_a_failing_handler_answers_its_error_as_unhandled(sdk_stack, prober):
    (answer,), _ = calls(sdk_stack, prober, {"call": "RequestResponse", "payload": {"numbers": "three"}})
    assert (answer["status"], answer["function_error"]) == (200, "Unhandled")
    error = json.loads(answer["payload"])
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "event.numbers must be a list of numbers")


@pytest.mark.parametrize("prober", PROBERS)
def test_a_synchronous_invoke_with_log_type_tail_answers_the_targets_log(sdk_stack, prober):
    # WHEN the prober invokes Target synchronously with LogType Tail
    (answer,), result = calls(
        sdk_stack, prober, {"call": "RequestResponse", "log_type": "Tail", "payload": {"numbers": [4]}}
    )
    # THEN LogResult (base64, read back by the prober) is Target's own log, START to REPORT
    target_run = next(i for i in result.invocations if i["function"] == "Target")
    lines = answer["log"].splitlines()
    assert lines[0] == f"START RequestId: {target_run['request_id']} Version: $LATEST"
    assert lines[-2] == f"END RequestId: {target_run['request_id']}"
    assert re.fullmatch(rf"REPORT RequestId: {target_run['request_id']}\tDuration: .*\t", lines[-1])


@pytest.mark.parametrize("prober", PROBERS)
def test_a_synchronous_payload_over_6_mib_is_too_large(sdk_stack, prober):
    (answer,), result = calls(sdk_stack, prober, {"call": "RequestResponse", "size": 6 * 1024 * 1024})
    assert answer["error"] == "RequestTooLargeException"
    assert "over 6291456 for a synchronous invocation" in answer["message"]
    assert [i["function"] for i in result.invocations] == [prober]


def self_invoke(payload, **options):
    """Prober's event to invoke itself synchronously with ``payload``."""
    return {"call": "RequestResponse", "target": "sdk-Prober", "payload": payload, **options}


def test_a_function_invoking_itself_synchronously_runs_in_a_second_environment_kept_warm(sdk_stack):
    # GIVEN Prober, allowed to invoke itself
    # WHEN it invokes itself synchronously (the inner one making a DryRun), twice in one engine, asking
    # for the inner invocation's log
    first, second = calls(sdk_stack, "Prober", *[self_invoke({"call": "DryRun"}, log_type="Tail") for _ in range(2)])[0]
    # THEN each answers the inner invocation's result
    for answer in (first, second):
        assert (answer["status"], json.loads(answer["payload"])) == (200, {"status": 204, "payload": ""})
    # AND the first inner one started an environment of its own (its log has Init Duration, as a cold
    # start's REPORT), which the second one found warm
    assert "\tInit Duration: " in first["log"]
    assert "Init Duration" not in second["log"]


def test_synchronous_self_invokes_nested_past_the_local_bound_are_refused_naming_it(sdk_stack, monkeypatch):
    # GIVEN the engine's bound on one version's environments lowered from 10 to 3 (each is a process
    # importing boto3), and a Prober invocation that invokes itself, which invokes itself, ... 3 deep
    assert LOCAL_ENVIRONMENTS_BOUND == 10
    monkeypatch.setattr("local_runtime.engine.environments.LOCAL_ENVIRONMENTS_BOUND", 3)
    event = {"call": "DryRun"}
    for _ in range(3):
        event = self_invoke(event)
    (answer,), result = calls(sdk_stack, "Prober", event)
    # THEN the 3 environments of the version run, and the one that would start a 4th is refused
    depth = 0
    while "error" not in answer:
        answer, depth = json.loads(answer["payload"]), depth + 1
    assert depth == 2
    assert answer["error"] == "NotEmulated"
    assert "is running in 3 execution environments at once" in answer["message"]
    assert [i["function"] for i in result.invocations] == ["Prober"] * 3


def test_a_function_with_reserved_concurrency_1_invoking_itself_synchronously_is_throttled(sdk_stack):
    # GIVEN Prober with a reserved concurrency of 1
    prober = dataclasses.replace(sdk_stack.functions["Prober"], reserved_concurrency=1)
    stack = dataclasses.replace(sdk_stack, functions={**sdk_stack.functions, "Prober": prober})
    # WHEN it invokes itself synchronously
    (answer,), result = calls(stack, "Prober", self_invoke({"call": "DryRun"}))
    # THEN its own running execution holds the one: Lambda's throttle, and the inner one never runs
    assert answer["error"] == "TooManyRequestsException"
    assert [i["function"] for i in result.invocations] == ["Prober"]


@pytest.mark.parametrize("prober", PROBERS)
def test_an_operation_the_engine_does_not_emulate_names_the_service_and_operation(sdk_stack, prober):
    (answer,), _ = calls(sdk_stack, prober, {"call": "CreateQueue", "name": "new"})
    assert answer["error"] == "NotEmulated"
    assert answer["message"].startswith("the local engine does not emulate sqs.CreateQueue:")
    assert answer["message"].endswith("and nothing reaches AWS")
