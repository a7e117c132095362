"""python -m tools.invoke: local invokes and the First → destination → Second flows."""

import io
import json

import pytest

from tools.invoke import main


def run_cli(*argv):
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_run_follows_the_self_invoking_chain_to_the_final_result(monkeypatch):
    monkeypatch.delenv("MAX_CHAIN_DEPTH", raising=False)
    monkeypatch.setenv("STEP_BUDGET", "1000")  # so the CLI's --env override is undone after the test
    code, text = run_cli("run", "long_job", "--payload", '{"n": 200000}', "--env", "STEP_BUDGET=1")
    assert code == 0
    assert text.count("REPORT RequestId") == 4
    assert "--- 4 invocation(s)" in text
    final = json.loads(text[text.rindex("\n{") :])
    assert final["result"] == 200000 * 199999 * 399999 // 6


def test_flow_response_only_shows_second_receiving_only_the_payload():
    code, text = run_cli("flow", "response-only", "--payload", '{"numbers": [2, 4]}')
    assert code == 0
    received = text.split("--- Second receives (response-only) ---\n", 1)[1]
    assert json.loads(received[: received.index("\n}") + 2]) == {"count": 2, "sum": 6, "mean": 3.0, "min": 2, "max": 4}
    assert '{"accepted": true, "shape": "response-payload"}' in text


def test_flow_function_destination_shows_second_receiving_the_full_record():
    code, text = run_cli("flow", "function-destination", "--payload", '{"numbers": [1]}')
    assert code == 0
    assert '"condition": "Success"' in text
    assert '{"accepted": true, "shape": "invocation-record"}' in text


def test_flow_sqs_prints_the_message_body_the_queue_receives(tmp_path):
    event_file = tmp_path / "event.json"
    event_file.write_text('{"numbers": [5]}')
    code, text = run_cli("flow", "sqs-destination", "--event", str(event_file))
    body = json.loads(text.split("--- SQS message body delivered to the queue ---\n", 1)[1])
    assert code == 0
    assert body["requestPayload"] == {"numbers": [5]} and body["responsePayload"]["sum"] == 5


def test_a_failing_first_never_reaches_second_in_the_response_only_flow():
    code, text = run_cli("flow", "response-only", "--payload", '{"numbers": []}')
    assert code == 1
    assert "the rule matches Success results only" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("run", "first", "--timeout", "901"), "--timeout must be between 1 and 900 seconds; got 901"),
        (("run", "first", "--payload", "{bad"), "cannot read the event"),
        (("run", "first", "--env", "NOVALUE"), "--env takes KEY=VALUE; got 'NOVALUE'"),
        (("run", "nope"), "unknown function 'nope'"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(argv, message):
    with pytest.raises(SystemExit, match=message):
        run_cli(*argv)
