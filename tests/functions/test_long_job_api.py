"""LongJob behind the jobs API: 202 on POST, a status that does not lie, hops claimed once."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY
from moto import mock_aws

from tests.functions.conftest import RecordingLambdaClient, Timeline, stubbed_client
from tests.functions.context import LambdaContext
from tests.support import UUID4

EVENTS = Path(__file__).parent / "events"
TABLE = "jobs"
JOB_ID = "3f1c2b9e-5d0a-4c7e-9a51-2b6f0c8d4e17"
CHUNK = 50_000


def sum_of_squares(n):
    return n * (n - 1) * (2 * n - 1) // 6


def event(name, **changes):
    loaded = json.loads((EVENTS / name).read_text())
    loaded.update(changes)
    return loaded


def continuation(hop, cursor=0, end=10 * CHUNK, total=0, chain_id=JOB_ID):
    return {
        "eventType": "LongJobContinuation",
        "state": {"chain_id": chain_id, "hop": hop, "cursor": cursor, "end": end, "total": total},
    }


@pytest.fixture
def dynamodb():
    yield from stubbed_client("dynamodb")


@pytest.fixture
def timeline(dynamodb):
    """One timeline for the table's calls and (through ``RecordingLambdaClient(timeline)``) the hand-offs."""
    client, _ = dynamodb
    timeline = Timeline()
    timeline.watch(client)
    return timeline


@pytest.fixture
def table(long_job, dynamodb):
    client, _ = dynamodb
    return long_job.JobTable(client, TABLE)


def job_key(item="job"):
    return {"job_id": {"S": JOB_ID}, "item": {"S": item}}


def stored_job(status, **extra):
    item = {
        "job_id": {"S": JOB_ID},
        "item": {"S": "job"},
        "status": {"S": status},
        "hop": {"N": "2"},
        "cursor": {"N": "150000"},
        "end": {"N": "500000"},
        "created_at": {"S": "2026-11-24T12:00:00.000Z"},
        "updated_at": {"S": "2026-11-24T12:00:04.000Z"},
    }
    item.update(extra)
    return {"Item": item}


# --- POST /jobs --------------------------------------------------------------------------------------


def test_post_creates_the_job_hands_off_hop_0_and_answers_202_with_where_to_look(
    long_job, table, dynamodb, timeline, context
):
    # GIVEN a signed POST /jobs with n = 500000
    _, stubber = dynamodb
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "ConditionExpression": "attribute_not_exists(job_id)",
            "Item": {
                "job_id": ANY,
                "item": {"S": "job"},
                "status": {"S": "running"},
                "hop": {"N": "0"},
                "cursor": {"N": "0"},
                "end": {"N": "500000"},
                "created_at": ANY,
                "updated_at": ANY,
            },
        },
    )
    client = RecordingLambdaClient(timeline)
    # WHEN handled
    response = long_job.process(event("api_post_jobs.json"), context, client, table)
    # THEN the job exists before its hop 0 is handed off: a hop never runs for a job that is not there
    assert timeline == ["dynamodb.PutItem", "lambda.Invoke"]
    # AND the answer is 202 with the job id, its status URL and a Location header, and hop 0 of that job is queued
    body = json.loads(response["body"])
    assert response["statusCode"] == 202 and UUID4.fullmatch(body["job_id"])
    assert body == {
        "job_id": body["job_id"],
        "status_url": f"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/jobs/{body['job_id']}",
    }
    assert response["headers"]["location"] == f"/jobs/{body['job_id']}"
    ((function, payload),) = client.queued
    assert (function, payload["state"]) == (
        "long-job",
        {"chain_id": body["job_id"], "hop": 0, "cursor": 0, "end": 500000, "total": 0},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", 'body must be a JSON object like {"n": 1000000}'),
        ("[1]", 'body must be a JSON object like {"n": 1000000}'),
        ('{"n": 0}', "n must be a whole number between 1 and 1000000000000; got 0"),
        ('{"count": 5}', "n must be a whole number between 1 and 1000000000000; got None"),
    ],
)
def test_a_bad_body_gets_400_naming_the_field_and_starts_nothing(long_job, table, context, body, message):
    client = RecordingLambdaClient()
    response = long_job.process(event("api_post_jobs.json", body=body), context, client, table)
    assert (response["statusCode"], json.loads(response["body"])) == (400, {"error": message})
    assert client.queued == []


def test_a_hand_off_that_fails_marks_the_job_failed_and_answers_502(long_job, table, dynamodb, context, lambda_stub):
    _, stubber = dynamodb
    lambda_client, lambda_stubber = lambda_stub
    stubber.add_response("put_item", {}, None)
    lambda_stubber.add_client_error("invoke", "AccessDeniedException", "not authorized")
    stubber.add_response(
        "update_item",
        {},
        {
            "TableName": TABLE,
            "Key": {"job_id": ANY, "item": {"S": "job"}},
            "UpdateExpression": "SET #status = :status, #error = :error, updated_at = :now, expires_at = :expires",
            "ExpressionAttributeNames": {"#status": "status", "#error": "error"},
            "ExpressionAttributeValues": {":status": {"S": "failed"}, ":error": ANY, ":now": ANY, ":expires": ANY},
        },
    )
    response = long_job.process(event("api_post_jobs.json"), context, lambda_client, table)
    assert response["statusCode"] == 502
    assert (
        "the job could not be started: An error occurred (AccessDeniedException)"
        in json.loads(response["body"])["error"]
    )


# --- GET /jobs/{job_id} ------------------------------------------------------------------------------


STATUSES = [
    ("running", {}, {}),
    ("completed", {"result": {"N": str(sum_of_squares(500000))}}, {"result": sum_of_squares(500000)}),
    ("depth-limit", {"result": {"N": "5"}}, {"partial_result": 5}),
    ("failed", {"error": {"S": "BadEvent: state must have hop >= 0"}}, {"error": "BadEvent: state must have hop >= 0"}),
]


@pytest.mark.parametrize(("status", "extra", "shown"), STATUSES)
def test_get_shows_the_jobs_status_progress_and_outcome(long_job, table, dynamodb, context, status, extra, shown):
    _, stubber = dynamodb
    stubber.add_response(
        "get_item", stored_job(status, **extra), {"TableName": TABLE, "Key": job_key(), "ConsistentRead": True}
    )
    response = long_job.process(event("api_get_job.json"), context, RecordingLambdaClient(), table)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "job_id": JOB_ID,
        "status": status,
        "hop": 2,
        "progress": {"cursor": 150000, "end": 500000},
        "created_at": "2026-11-24T12:00:00.000Z",
        "updated_at": "2026-11-24T12:00:04.000Z",
        **shown,
    }


def test_get_of_an_unknown_job_is_404(long_job, table, dynamodb, context):
    _, stubber = dynamodb
    stubber.add_response("get_item", {}, {"TableName": TABLE, "Key": job_key(), "ConsistentRead": True})
    response = long_job.process(event("api_get_job.json"), context, RecordingLambdaClient(), table)
    assert (response["statusCode"], json.loads(response["body"])) == (404, {"error": f"no job {JOB_ID}"})


def test_get_with_a_malformed_id_is_400_naming_it(long_job, table, context):
    request = event("api_get_job.json", pathParameters={"job_id": "../etc"})
    response = long_job.process(request, context, RecordingLambdaClient(), table)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"].startswith("job_id must be a job id like ")


def test_an_unknown_route_is_404_listing_the_routes(long_job, table, context):
    response = long_job.process(
        event("api_get_job.json", routeKey="DELETE /jobs/{job_id}"), context, RecordingLambdaClient(), table
    )
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "error": "no route DELETE /jobs/{job_id}; routes: POST /jobs, GET /jobs/{job_id}"
    }


# --- hops ----------------------------------------------------------------------------------------------


def test_a_duplicate_delivery_finds_its_claim_taken_and_does_nothing(long_job, table, dynamodb, context):
    # GIVEN hop 3 already claimed (by a delivery on any execution environment)
    _, stubber = dynamodb
    stubber.add_client_error(
        "put_item",
        "ConditionalCheckFailedException",
        "The conditional request failed",
        expected_params={
            "TableName": TABLE,
            "Item": {"job_id": {"S": JOB_ID}, "item": {"S": "hop#00003"}, "claimed_at": ANY, "expires_at": ANY},
            "ConditionExpression": "attribute_not_exists(job_id)",
        },
    )
    client = RecordingLambdaClient()
    # WHEN the duplicate arrives THEN it neither works, nor writes, nor hands off
    assert long_job.process(continuation(3), context, client, table) == {
        "status": "duplicate",
        "chain_id": JOB_ID,
        "hop": 3,
    }
    assert client.queued == []


def test_a_hop_writes_its_progress_before_handing_off(long_job, table, dynamodb, timeline, context, monkeypatch):
    monkeypatch.setenv("STEP_BUDGET", "2")
    _, stubber = dynamodb
    stubber.add_response("put_item", {}, None)
    stubber.add_response(
        "update_item",
        {},
        {
            "TableName": TABLE,
            "Key": job_key(),
            "UpdateExpression": "SET hop = :hop, #cursor = :cursor, updated_at = :now",
            "ExpressionAttributeNames": {"#cursor": "cursor"},
            "ExpressionAttributeValues": {":hop": {"N": "1"}, ":cursor": {"N": "100000"}, ":now": ANY},
        },
    )
    client = RecordingLambdaClient(timeline)
    # WHEN hop 1 runs its two chunks
    long_job.process(continuation(1), context, client, table)
    # THEN it claims the hop, writes its progress, and only then hands hop 2 off
    assert timeline == ["dynamodb.PutItem", "dynamodb.UpdateItem", "lambda.Invoke"]
    assert client.queued[0][1]["state"]["hop"] == 2


def test_the_last_hop_writes_the_exact_result(long_job, table, dynamodb, context):
    _, stubber = dynamodb
    stubber.add_response("put_item", {}, None)
    stubber.add_response(
        "update_item",
        {},
        {
            "TableName": TABLE,
            "Key": job_key(),
            "UpdateExpression": "SET #status = :status, hop = :hop, #cursor = :cursor, #result = :result, updated_at = :now, expires_at = :expires",
            "ExpressionAttributeNames": {"#status": "status", "#cursor": "cursor", "#result": "result"},
            "ExpressionAttributeValues": {
                ":status": {"S": "completed"},
                ":hop": {"N": "4"},
                ":cursor": {"N": str(10 * CHUNK)},
                ":result": {"N": str(sum_of_squares(10 * CHUNK))},
                ":now": ANY,
                ":expires": ANY,
            },
        },
    )
    state = continuation(4, cursor=8 * CHUNK, total=sum_of_squares(8 * CHUNK))
    assert long_job.process(state, context, RecordingLambdaClient(), table)["result"] == sum_of_squares(10 * CHUNK)


def test_a_hop_that_fails_marks_the_job_failed_before_its_event_goes_on(long_job, table, dynamodb, monkeypatch):
    # GIVEN a hop of one chunk whose hand-off is refused
    monkeypatch.setenv("STEP_BUDGET", "1")
    _, stubber = dynamodb
    stubber.add_response("put_item", {}, None)
    stubber.add_response("update_item", {}, None)  # progress
    stubber.add_response(
        "update_item",
        {},
        {
            "TableName": TABLE,
            "Key": job_key(),
            "UpdateExpression": "SET #status = :status, #error = :error, updated_at = :now, expires_at = :expires",
            "ExpressionAttributeNames": {"#status": "status", "#error": "error"},
            "ExpressionAttributeValues": {
                ":status": {"S": "failed"},
                ":error": {"S": "RuntimeError: throttled"},
                ":now": ANY,
                ":expires": ANY,
            },
        },
    )

    class RefusingClient:
        def invoke(self, **_):
            raise RuntimeError("throttled")

    # WHEN it runs THEN the job is marked failed and the error is raised (the event reaches the failure queue)
    with pytest.raises(RuntimeError, match="throttled"):
        long_job.process(
            continuation(0), LambdaContext(function_name="long-job", timeout_ms=60_000), RefusingClient(), table
        )


def test_every_hop_delivered_twice_still_gives_one_chain_and_the_exact_result(long_job, monkeypatch):
    # GIVEN a real (moto) table, 2 chunks per hop, and every hand-off delivered twice
    monkeypatch.setenv("STEP_BUDGET", "2")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}, {"AttributeName": "item", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "job_id", "AttributeType": "S"},
                {"AttributeName": "item", "AttributeType": "S"},
            ],
        )
        store = long_job.JobTable(dynamodb, TABLE)
        client = RecordingLambdaClient()
        pending: list[Any] = [{"n": 10 * CHUNK}]
        results: list[Any] = []
        # WHEN each queued event is processed twice
        while pending:
            current = pending.pop(0)
            for _ in range(2 if "state" in current else 1):
                results.append(
                    long_job.process(current, LambdaContext(function_name="long-job", timeout_ms=60_000), client, store)
                )
            pending += [payload for _, payload in client.queued]
            client.queued.clear()
        job_id = results[0]["chain_id"]
        job = store.get(job_id)
    assert UUID4.fullmatch(job_id)
    # THEN five hops worked, each duplicate was a no-op, and the job holds the exact result
    assert [r["status"] for r in results] == ["handed-off"] + ["handed-off", "duplicate"] * 3 + [
        "completed",
        "duplicate",
    ]
    assert (job["status"], job["hop"], job["result"]) == ("completed", 4, sum_of_squares(10 * CHUNK))
