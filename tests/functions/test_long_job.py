"""LongJob: the self-invoking sum-of-squares job, hop by hop."""

import json
import logging
from pathlib import Path

import pytest
from botocore.stub import ANY

from tests.functions.conftest import RecordingLambdaClient, SteppingClock, run_chain
from tests.functions.context import LambdaContext
from tests.support import UUID4

EVENTS = Path(__file__).parent / "events"


def sum_of_squares(n):
    return n * (n - 1) * (2 * n - 1) // 6


def continuation(state):
    return {"eventType": "LongJobContinuation", "state": state}


def test_a_small_job_completes_in_one_hop_with_the_exact_result(long_job, context, lambda_stub):
    # GIVEN a job small enough for one invocation, and a client that must not be called
    client, _ = lambda_stub
    # WHEN started directly
    result = long_job.process({"n": 1000}, context, client)
    # THEN it completes with the closed-form result and no hand-off
    assert result["status"] == "completed"
    assert (result["hops"], result["result"]) == (1, sum_of_squares(1000))


def test_it_hands_off_with_an_asynchronous_self_invoke_before_the_timeout(long_job, lambda_stub):
    # GIVEN 60 s of timeout, a 5 s margin, and a clock that loses 20 s per chunk
    client, stubber = lambda_stub
    context = LambdaContext(function_name="long-job", timeout_ms=60_000, clock=SteppingClock(20))
    stubber.add_response(
        "invoke",
        {"StatusCode": 202},
        {"FunctionName": "long-job", "InvocationType": "Event", "Payload": ANY},
    )
    # WHEN a large job starts
    result = long_job.process({"n": 10**9}, context, client)
    # THEN after three chunks (20, 40, 60 s used; 0 s left < 5 s) it invokes itself as an Event and returns
    assert result == {"status": "handed-off", "chain_id": result["chain_id"], "next_hop": 1}
    assert UUID4.fullmatch(result["chain_id"])


def test_the_hand_off_carries_the_progress_of_the_hop(long_job):
    client = RecordingLambdaClient()
    context = LambdaContext(function_name="long-job", timeout_ms=60_000, clock=SteppingClock(20))
    long_job.process({"n": 10**9}, context, client)
    ((function_name, payload),) = client.queued
    chunk = long_job.CHUNK_SIZE
    assert function_name == "long-job"
    assert payload["eventType"] == "LongJobContinuation"
    assert {k: v for k, v in payload["state"].items() if k != "chain_id"} == {
        "hop": 1,
        "cursor": 3 * chunk,
        "end": 10**9,
        "total": sum_of_squares(3 * chunk),
    }


def test_a_margin_of_zero_leaves_the_hand_off_to_the_step_budget_alone(long_job, monkeypatch):
    # GIVEN no time check (SAFETY_MARGIN_MS=0), a budget of 4 chunks, and a clock whose time is already up
    monkeypatch.setenv("SAFETY_MARGIN_MS", "0")
    monkeypatch.setenv("STEP_BUDGET", "4")
    client = RecordingLambdaClient()
    context = LambdaContext(function_name="long-job", timeout_ms=60_000, clock=SteppingClock(100))
    # WHEN a job of ten chunks starts
    long_job.process({"n": 10 * long_job.CHUNK_SIZE}, context, client)
    # THEN the hop ran its four chunks before handing off
    ((_, payload),) = client.queued
    assert payload["state"]["cursor"] == 4 * long_job.CHUNK_SIZE


def test_the_step_budget_hands_off_even_with_time_left(long_job, context, monkeypatch):
    monkeypatch.setenv("STEP_BUDGET", "3")
    client = RecordingLambdaClient()
    long_job.process({"n": 10 * long_job.CHUNK_SIZE}, context, client)
    assert client.queued[0][1]["state"]["cursor"] == 3 * long_job.CHUNK_SIZE


def test_a_chain_of_hops_gives_the_same_result_as_one_run(long_job, monkeypatch):
    # GIVEN a budget of 2 chunks per hop and a 10-chunk job
    monkeypatch.setenv("STEP_BUDGET", "2")
    n = 10 * 50_000
    # WHEN every hop it hands off is run in turn
    events, results = run_chain(long_job, {"n": n})
    # THEN 5 hops ran, numbered 0..4, all of one chain, and the last returns the exact sum
    assert [e.get("state", {}).get("hop", 0) for e in events] == [0, 1, 2, 3, 4]
    assert len({r["chain_id"] for r in results}) == 1 and UUID4.fullmatch(results[0]["chain_id"])
    assert results[-1] == {
        "status": "completed",
        "chain_id": results[0]["chain_id"],
        "hops": 5,
        "result": sum_of_squares(n),
    }


def test_the_depth_limit_stops_the_chain_with_a_final_result(long_job, monkeypatch, caplog):
    # GIVEN at most 3 hops and a job that needs 10
    monkeypatch.setenv("STEP_BUDGET", "1")
    monkeypatch.setenv("MAX_CHAIN_DEPTH", "3")
    # WHEN the chain runs
    with caplog.at_level(logging.WARNING):
        events, results = run_chain(long_job, {"n": 10 * 50_000})
    # THEN it stops after hop 2 with the partial result, says so, and hands nothing off
    assert len(results) == len(events) == 3
    assert results[-1]["status"] == "depth-limit"
    assert (results[-1]["cursor"], results[-1]["partial_result"]) == (150_000, sum_of_squares(150_000))
    assert '"message": "chain depth limit reached"' in caplog.text


def test_a_continuation_beyond_the_depth_limit_is_rejected(long_job, context, monkeypatch):
    monkeypatch.setenv("MAX_CHAIN_DEPTH", "5")
    state = {"chain_id": "c", "hop": 5, "cursor": 0, "end": 10, "total": 0}
    with pytest.raises(long_job.BadEvent, match="state.hop 5 is at or beyond MAX_CHAIN_DEPTH 5"):
        long_job.process(continuation(state), context, RecordingLambdaClient())


def test_a_duplicate_delivery_of_a_hop_does_not_fork_the_chain(long_job, context, monkeypatch):
    # GIVEN hop 1 of a chain, delivered twice to the same environment
    monkeypatch.setenv("STEP_BUDGET", "1")
    client = RecordingLambdaClient()
    event = continuation({"chain_id": "chain-1", "hop": 1, "cursor": 0, "end": 200_000, "total": 0})
    first = long_job.process(event, context, client)
    # WHEN the duplicate arrives
    second = long_job.process(event, context, client)
    # THEN only the first delivery handed off
    assert first["status"] == "handed-off"
    assert second == {"status": "duplicate", "chain_id": "chain-1", "hop": 1}
    assert len(client.queued) == 1


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([1, 2], "event must be a JSON object; got list"),
        ({"n": -1}, "n must be a whole number between 1 and 1000000000000; got -1"),
        ({"n": "10"}, "n must be a whole number between 1 and 1000000000000; got '10'"),
        (
            continuation({"chain_id": "c", "hop": 0, "end": 10, "total": 0}),
            "state.cursor must be of type int; got None",
        ),
        (
            continuation({"chain_id": "c", "hop": 0, "cursor": 11, "end": 10, "total": 0}),
            "state must have hop >= 0, 0 <= cursor <= end",
        ),
        (continuation("not a state"), "state must be an object"),
    ],
)
def test_bad_events_are_rejected_with_the_field_named(long_job, context, event, message):
    with pytest.raises(long_job.BadEvent, match=message.replace("(", r"\(")):
        long_job.process(event, context, RecordingLambdaClient())


def test_oversize_state_is_refused_before_invoking(long_job, lambda_stub):
    # GIVEN a state whose payload would exceed the asynchronous limit, and a client expecting no call
    client, _ = lambda_stub
    state = {"chain_id": "x" * long_job.MAX_PAYLOAD_BYTES, "hop": 1, "cursor": 0, "end": 10, "total": 0}
    # WHEN handed off THEN it is refused with the size and the limit
    with pytest.raises(long_job.BadEvent, match=r"state is \d+ bytes; asynchronous payloads must stay under 921600"):
        long_job.hand_off(client, "long-job", state)


@pytest.mark.parametrize("event_file", ["api_gateway_v2_start.json", "api_gateway_v1_start.json"])
def test_an_http_request_starts_the_job_and_answers_202_with_the_chain_id(long_job, context, event_file):
    # GIVEN an API Gateway request asking for a job
    event = json.loads((EVENTS / event_file).read_text())
    client = RecordingLambdaClient()
    # WHEN handled
    response = long_job.process(event, context, client)
    # THEN 202 with the chain id comes back at once and hop 0 is queued with that chain id
    chain_id = json.loads(response["body"])["chain_id"]
    assert response["statusCode"] == 202 and UUID4.fullmatch(chain_id)
    ((_, payload),) = client.queued
    assert payload["state"] == {
        "chain_id": chain_id,
        "hop": 0,
        "cursor": 0,
        "end": json.loads(event["body"])["n"],
        "total": 0,
    }


def test_an_http_request_with_a_bad_body_gets_400_and_starts_nothing(long_job, context):
    event = json.loads((EVENTS / "api_gateway_v2_start.json").read_text())
    event["body"] = '{"n": 0}'
    client = RecordingLambdaClient()
    response = long_job.process(event, context, client)
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "n must be a whole number between 1 and 1000000000000; got 0"}
    assert not client.queued


def test_a_bad_chain_depth_setting_is_reported_by_name(long_job, context, monkeypatch):
    monkeypatch.setenv("MAX_CHAIN_DEPTH", "many")
    with pytest.raises(
        RuntimeError, match="environment variable MAX_CHAIN_DEPTH must be a positive whole number; got 'many'"
    ):
        long_job.process(
            continuation({"chain_id": "c", "hop": 0, "cursor": 0, "end": 10, "total": 0}),
            context,
            RecordingLambdaClient(),
        )
