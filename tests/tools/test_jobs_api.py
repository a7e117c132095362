"""tools.jobs against tools.local_api: signed requests, the 202 path, statuses, and refusals."""

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.api import LocalApi, server
from local_runtime.engine import Engine
from local_runtime.model import load_stack, stack_file
from tests.support import UUID4
from tools.jobs import main as jobs
from tools.jobs import wait_for

KEY, SECRET = "AKIALOCALTEST", "local-test-secret"
CHUNK = 50_000


@pytest.fixture(scope="module")
def api_url(synthesized_app):
    """The long-job-api stack served on a free loopback port, stopped when the module's tests end."""
    stack = load_stack(stack_file(synthesized_app, "long-job-api"))
    with Engine(stack, environment={"LongJob": {"STEP_BUDGET": "3"}}) as engine:
        httpd = server(LocalApi(stack, engine, {KEY: SECRET}))
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_port}"
        finally:
            httpd.shutdown()
            thread.join(timeout=10)
            httpd.server_close()


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "JOBS_API_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*argv):
    """``tools.jobs ARGV``: exit code, output, errors, and each answer's body (``--wait``'s progress lines aside)."""
    out, err = io.StringIO(), io.StringIO()
    code = jobs(list(argv), out=out, err=err)
    text = out.getvalue()
    answers = "\n".join(line for line in text.splitlines() if not line.startswith(("running: ", "throttled (")))
    bodies = [json.loads(part.split("\n", 1)[1]) for part in answers.split("HTTP ")[1:]]
    return code, text, err.getvalue(), bodies


def sum_of_squares(n):
    return n * (n - 1) * (2 * n - 1) // 6


def test_start_answers_202_with_the_job_id_and_where_to_read_its_status(api_url):
    code, text, _, (body,) = run("--api-url", api_url, "start", "--n", str(10 * CHUNK))
    assert code == 0 and text.startswith("HTTP 202\n")
    assert body == {"job_id": body["job_id"], "status_url": f"{api_url}/jobs/{body['job_id']}"}
    assert UUID4.fullmatch(body["job_id"])


def test_start_and_wait_ends_with_the_exact_result(api_url):
    code, text, _, (accepted, final) = run(
        "--api-url", api_url, "--interval", "0.05", "start", "--n", str(10 * CHUNK), "--wait"
    )
    assert code == 0
    assert {k: final[k] for k in ("job_id", "status", "hop", "progress", "result")} == {
        "job_id": accepted["job_id"],
        "status": "completed",
        "hop": 3,
        "progress": {"cursor": 10 * CHUNK, "end": 10 * CHUNK},
        "result": sum_of_squares(10 * CHUNK),
    }


def test_the_status_of_an_unknown_job_is_404_and_exit_1(api_url):
    code, text, _, (body,) = run("--api-url", api_url, "status", "00000000-0000-4000-8000-000000000000")
    assert (code, text.splitlines()[0], body) == (
        1,
        "HTTP 404",
        {"error": "no job 00000000-0000-4000-8000-000000000000"},
    )


def test_a_bad_n_is_400_naming_it(api_url):
    code, _, _, (body,) = run("--api-url", api_url, "start", "--n", "0")
    assert (code, body) == (1, {"error": "n must be a whole number between 1 and 1000000000000; got 0"})


def test_an_unsigned_request_is_forbidden(api_url):
    request = urllib.request.Request(f"{api_url}/jobs", data=b'{"n": 5}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert (caught.value.code, json.loads(caught.value.read())) == (403, {"message": "Forbidden"})


def test_a_signature_made_with_another_secret_is_refused(api_url, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    code, text, _, (body,) = run("--api-url", api_url, "status", "00000000-0000-4000-8000-000000000000")
    assert (code, text.splitlines()[0]) == (1, "HTTP 403")
    assert body["message"].startswith("The request signature we calculated does not match")


def test_the_url_comes_from_the_stacks_outputs_and_is_required(tmp_path, api_url):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"long-job-api": {"api_url": api_url}}))
    # GIVEN only the outputs file naming the API WHEN a status is asked THEN the API itself answers (404)
    code, text, _, (body,) = run("--outputs", str(outputs), "status", "00000000-0000-4000-8000-000000000000")
    assert (code, text.splitlines()[0], body) == (
        1,
        "HTTP 404",
        {"error": "no job 00000000-0000-4000-8000-000000000000"},
    )
    code, _, err, _ = run("--outputs", str(tmp_path / "none.json"), "status", "x")
    assert code == 2
    assert err.strip() == (
        "error: no API URL: pass --api-url, set JOBS_API_URL, or deploy with "
        f"`./cdktf deploy long-job-api --outputs-file {tmp_path / 'none.json'}`"
    )


def test_a_throttled_poll_waits_longer_each_time_and_polls_again(monkeypatch):
    # GIVEN a status that is throttled twice (the stage's 429), then running, then completed
    answers: Iterator[tuple[int, dict[str, str], Any]] = iter(
        [
            (429, {}, {"message": "Too Many Requests"}),
            (429, {}, {"message": "Too Many Requests"}),
            (200, {}, {"status": "running", "hop": 1, "progress": {"cursor": 1, "end": 2}}),
            (200, {}, {"status": "completed", "result": 5}),
        ]
    )
    slept: list[float] = []
    monkeypatch.setattr("tools.jobs.signed_request", lambda method, url: next(answers))
    monkeypatch.setattr("tools.jobs.time.sleep", slept.append)
    out = io.StringIO()
    # WHEN the tool waits for the job, polling every 0.5 s
    status, body = wait_for("http://api", "j1", 0.5, 60, out)
    # THEN it waits 1 s, then 2 s after the 429s, the interval once running, and ends with the result
    assert (status, body) == (200, {"status": "completed", "result": 5})
    assert slept == [1.0, 2.0, 0.5]
    assert out.getvalue().splitlines()[:2] == [
        "throttled (HTTP 429): polling again in 1 s",
        "throttled (HTTP 429): polling again in 2 s",
    ]
