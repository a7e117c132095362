"""End to end on a real AWS account: deploy, invoke asynchronously, observe each destination, destroy.

Runs only when both hold: ``RUN_AWS_E2E=1`` and boto3 finds credentials. It creates and deletes
real resources (names start ``e2e-<random>-test-``), costs a few cents, and takes ~10 minutes:

    RUN_AWS_E2E=1 AWS_PROFILE=sandbox make test PYTEST_ARGS="-m aws -s"
"""

import io
import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import boto3
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENABLED = os.environ.get("RUN_AWS_E2E") == "1"


def has_credentials():
    return ENABLED and boto3.session.Session().get_credentials() is not None


pytestmark = [
    pytest.mark.aws,
    pytest.mark.skipif(not ENABLED, reason="real-AWS test: set RUN_AWS_E2E=1 (and AWS credentials) to run it"),
    pytest.mark.skipif(not has_credentials(), reason="RUN_AWS_E2E=1 but boto3 found no AWS credentials"),
    pytest.mark.skipif(
        bool(os.environ.get("EMULATOR_ENDPOINT")), reason="EMULATOR_ENDPOINT is set: this test is for real AWS"
    ),
]


def poll(check, *, timeout_s, interval_s=5, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(interval_s)
    raise AssertionError(f"gave up after {timeout_s} s waiting for {what}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Deploy all stacks under a unique prefix with local state in a temp folder; always destroy."""
    workdir = tmp_path_factory.mktemp("aws-e2e")
    env = {
        **os.environ,
        "NAME_PREFIX": f"e2e-{secrets.token_hex(3)}",
        "DEPLOY_ENV": "test",
        "TF_STATE_DIR": str(workdir / "state"),
        "CI": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    env.pop("TF_STATE_BUCKET", None)
    common = ["--auto-approve", "--output", str(workdir / "cdktf.out")]
    outputs_file = workdir / "outputs.json"
    try:
        subprocess.run(
            [str(PROJECT_ROOT / "cdktf"), "deploy", "*", *common, "--outputs-file", str(outputs_file)],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=1800,
        )
        yield json.loads(outputs_file.read_text())
    finally:
        subprocess.run(
            [str(PROJECT_ROOT / "cdktf"), "destroy", "*", *common], cwd=PROJECT_ROOT, env=env, check=True, timeout=1800
        )


def invoke_async(function_name, payload):
    response = boto3.client("lambda").invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload)
    )
    assert response["StatusCode"] == 202


def log_line(function_name, marker, *, since_ms, timeout_s):
    logs = boto3.client("logs")

    def check():
        events = logs.filter_log_events(
            logGroupName=f"/aws/lambda/{function_name}", startTime=since_ms, filterPattern=f'"{marker}"'
        )["events"]
        for event in events:
            start = event["message"].find("{")
            if start >= 0:
                return json.loads(event["message"][start:])
        return None

    return poll(check, timeout_s=timeout_s, what=f"{marker!r} in {function_name}'s log")


def test_sqs_destination_receives_a_success_record_of_first(deployment):
    outputs = deployment["sqs-destination"]
    invoke_async(outputs["first_function_name"], {"numbers": [1, 2, 3]})
    sqs = boto3.client("sqs")

    def check():
        messages = sqs.receive_message(QueueUrl=outputs["queue_url"], WaitTimeSeconds=20).get("Messages", [])
        return json.loads(messages[0]["Body"]) if messages else None

    record = poll(check, timeout_s=300, interval_s=0, what="a message on the destination queue")
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"] == f"{outputs['first_function_arn']}:$LATEST"
    assert record["requestPayload"] == {"numbers": [1, 2, 3]}
    assert record["responsePayload"]["sum"] == 6


def test_function_destination_gives_second_the_full_record(deployment):
    outputs = deployment["function-destination"]
    since = int(time.time() * 1000)
    invoke_async(outputs["first_function_name"], {"numbers": [4, 5]})
    line = log_line(outputs["second_function_name"], "invocation-record", since_ms=since, timeout_s=300)
    assert line["source_function"] == f"{outputs['first_function_arn']}:$LATEST"
    assert line["response_payload"]["sum"] == 9


def test_response_only_gives_second_only_the_payload(deployment):
    outputs = deployment["response-only"]
    since = int(time.time() * 1000)
    invoke_async(outputs["first_function_name"], {"numbers": [2, 4]})
    line = log_line(outputs["second_function_name"], "response-payload", since_ms=since, timeout_s=300)
    assert line["response_payload"] == {"count": 2, "sum": 6, "mean": 3.0, "min": 2, "max": 4}


def test_self_invoking_chain_completes_with_the_exact_result(deployment):
    outputs = deployment["self-invoking"]
    n = 200_000_000  # 4,000 chunks: more than one hop's step budget, so the chain must hand off
    since = int(time.time() * 1000)
    invoke_async(outputs["long_job_function_name"], {"n": n})
    line = log_line(outputs["long_job_function_name"], "completed", since_ms=since, timeout_s=900)
    assert line["message"] == "completed"
    assert line["result"] == n * (n - 1) * (2 * n - 1) // 6
    assert line["hops"] >= 4


def test_the_jobs_api_answers_202_and_then_the_exact_result(deployment, tmp_path):
    # GIVEN the deployed API; the test's own credentials sign (they need execute-api:Invoke)
    from tools.jobs import main as jobs

    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(deployment))
    n = 100_000_000
    out = io.StringIO()
    # WHEN a job is started and followed
    code = jobs(["--outputs", str(outputs), "--interval", "5", "start", "--n", str(n), "--wait"], out=out)
    # THEN the start answered 202 and the status ends completed with the exact result
    responses = [json.loads(part.split("\n", 1)[1]) for part in out.getvalue().split("HTTP ")[1:]]
    assert code == 0 and out.getvalue().startswith("HTTP 202")
    assert responses[-1]["status"] == "completed"
    assert responses[-1]["result"] == n * (n - 1) * (2 * n - 1) // 6


def test_an_unsigned_request_to_the_jobs_api_is_refused(deployment):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{deployment['long-job-api']['api_url']}/jobs", data=b'{"n": 5}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 403
