"""python -m tools.invoke: `async` runs a synthesized stack's wiring; `run` invokes one handler."""

import io
import json
import re
import shutil

import pytest

from tools.invoke import main


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_async_json_is_one_object_with_the_documented_keys(synthesized_app):
    # WHEN First of the SQS stack is invoked with --json
    code, out, err = cli(
        "async",
        "sqs-destination",
        "First",
        "--payload",
        '{"numbers": [1, 2]}',
        "--outdir",
        str(synthesized_app),
        "--json",
    )
    # THEN stdout is exactly one JSON object, the Lambda log lines went to stderr, and the exit code is 0
    run = json.loads(out)
    assert code == 0
    assert {"invocations", "deliveries", "dropped", "queues"} <= set(run)
    assert [(i["function"], i["attempt"], i["status"], i["error_type"]) for i in run["invocations"]] == [
        ("First", 1, "success", None)
    ]
    assert set(run["invocations"][0]) >= {"function", "attempt", "status", "error_type", "request_id"}
    (delivery,) = run["deliveries"]
    assert {k: delivery[k] for k in ("source", "condition", "destination_kind", "destination", "allowed")} == {
        "source": "First",
        "condition": "Success",
        "destination_kind": "sqs",
        "destination": "Queue",
        "allowed": True,
    }
    assert run["queues"]["Queue"][0]["responsePayload"]["sum"] == 3
    assert "START RequestId" in err and "START RequestId" not in out


def test_async_text_shows_each_attempt_and_exits_0_whatever_the_handlers_did(synthesized_app):
    code, out, _ = cli(
        "async", "function-destination", "First", "--payload", '{"numbers": []}', "--outdir", str(synthesized_app)
    )
    assert code == 0
    assert out.count("START RequestId") == 3 and out.count("REPORT RequestId") == 3
    assert "--- 3 invocation(s), 180." in out
    assert "dropped: First: RetriesExhausted after 3 attempt(s) and no on-failure destination" in out


def test_env_and_timeout_override_the_functions_settings_from_the_json(synthesized_app, tmp_path):
    # GIVEN a three-chunk job in a file, and LongJob (60 s timeout in the JSON, 5 s safety margin by
    # default) told to hand off with less than 40 s left and given a 30 s timeout: each override alone
    # leaves more than its margin after a chunk (60 s > 40 s; 30 s > 5 s), both together less
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"n": 150_000}))
    code, out, _ = cli(
        "async",
        "self-invoking",
        "LongJob",
        "--event",
        str(event),
        "--outdir",
        str(synthesized_app),
        "--env",
        "SAFETY_MARGIN_MS=40000",
        "--timeout",
        "30",
        "--json",
    )
    # THEN every hop runs out of margin after one chunk: three hops for three chunks
    run = json.loads(out)
    assert code == 0
    assert [i["result"].get("status") for i in run["invocations"]] == ["handed-off", "handed-off", "completed"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("async", "response-only", "Third", "--payload", "{}"),
            "no function 'Third' in stack response-only; its functions: First, Second",
        ),
        (("async", "nope", "First", "--payload", "{}"), "stack 'nope' is not synthesized under"),
        (
            ("async", "response-only", "First", "--payload", "{}", "--env", "NOVALUE"),
            "--env takes KEY=VALUE; got 'NOVALUE'",
        ),
        (
            ("async", "response-only", "First", "--payload", "{}", "--timeout", "901"),
            "--timeout must be between 1 and 900 seconds; got 901",
        ),
        (("async", "response-only", "First"), "give the event with --payload JSON or --event FILE"),
        (("async", "response-only", "First", "--payload", "{bad"), "cannot read the event"),
        (("run", "third", "--payload", "{}"), "unknown function 'third'; available: consumer, first, long_job, second"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(synthesized_app, argv, message):
    code, out, err = cli(*argv, "--outdir", str(synthesized_app)) if argv[0] == "async" else cli(*argv)
    assert code == 2
    assert message in err and out == ""


def test_a_stack_that_is_not_synthesized_says_which_command_makes_it(tmp_path):
    code, _, err = cli("async", "response-only", "First", "--payload", "{}", "--outdir", str(tmp_path))
    assert code == 2
    assert err.strip() == (
        f"error: stack 'response-only' is not synthesized under {tmp_path}: "
        "run `make synth` (or `.venv/bin/python main.py`) first"
    )


def test_a_malformed_stack_file_is_one_line_naming_it(tmp_path):
    broken = tmp_path / "stacks" / "response-only" / "cdk.tf.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"resource": ')
    code, _, err = cli("async", "response-only", "First", "--payload", "{}", "--outdir", str(tmp_path))
    assert code == 2
    assert err.strip() == f"error: {broken}: not valid JSON (line 1, column 14: Expecting value)"


def test_run_invokes_one_handler_and_lists_its_hand_off_without_following_it(monkeypatch):
    monkeypatch.setenv("STEP_BUDGET", "2")  # restored after the test; --env overrides it during the call
    code, out, _ = cli("run", "long_job", "--payload", '{"n": 200000}', "--env", "STEP_BUDGET=1")
    assert code == 0
    assert out.count("REPORT RequestId") == 1
    assert "--- not followed (use `async` on a synthesized stack): lambda.Invoke long_job (Event)" in out
    assert json.loads(out[out.rindex("\n{") :])["status"] == "handed-off"


def test_run_exits_1_when_the_handler_fails():
    code, out, _ = cli("run", "first", "--payload", '{"numbers": []}')
    assert code == 1
    assert json.loads(out[out.rindex("\n{") :])["errorType"] == "ValueError"


def test_diagram_draws_each_invocation_and_delivery_with_its_virtual_time(synthesized_app):
    # WHEN a failing First of the function-destination stack is run with --diagram
    code, out, err = cli(
        "async",
        "function-destination",
        "First",
        "--payload",
        '{"numbers": []}',
        "--outdir",
        str(synthesized_app),
        "--diagram",
    )
    # THEN stdout is a Mermaid sequence diagram: the first attempt and its two retries, 60 and 180 s on
    lines = out.splitlines()
    assert code == 0 and "START RequestId" in err
    assert lines[:4] == [
        "sequenceDiagram",
        "  title function-destination: First",
        "  participant p0 as caller",
        "  participant p1 as First",
    ]
    assert [re.sub(r"\d+\.\d{3} s", "T", line) for line in lines[4:]] == [
        "  p0->>p1: invoke, attempt 1 (t = T)",
        "  p1->>p1: invoke, attempt 2 (t = T)",
        "  p1->>p1: invoke, attempt 3 (t = T)",
    ]
    times = [re.search(r"t = (\d+\.\d+)", line) for line in lines[4:]]
    assert [float(time[1]) // 60 for time in times if time] == [0, 1, 3]


def test_diagram_crosses_a_delivery_the_role_does_not_allow(synthesized_app, tmp_path):
    # GIVEN the response-only stack without its Lambda permission
    stack = tmp_path / "stacks" / "response-only"
    shutil.copytree(synthesized_app / "stacks" / "response-only", stack)
    document = json.loads((stack / "cdk.tf.json").read_text())
    del document["resource"]["aws_lambda_permission"]
    (stack / "cdk.tf.json").write_text(json.dumps(document))
    code, out, _ = cli(
        "async", "response-only", "First", "--payload", '{"numbers": [1]}', "--outdir", str(tmp_path), "--diagram"
    )
    assert code == 0
    assert re.search(r"  p3-xp4: Success \(denied\) \(t = \d+\.\d{3} s\)", out), out


def test_async_refuses_a_payload_over_1_mib_with_request_too_large(provider_classes_outdir, tmp_path):
    # GIVEN an event file of 1,048,591 bytes (Lambda's asynchronous limit is 1,048,576)
    event = tmp_path / "big.json"
    event.write_text(json.dumps({"pad": "x" * 1_048_580}))
    assert event.stat().st_size == 1_048_591
    # WHEN it is sent to a function of the limits stack
    code, out, err = cli("async", "limits", "Target", "--event", str(event), "--outdir", str(provider_classes_outdir))
    # THEN exit 2 naming Lambda's exception and both sizes, and nothing ran
    assert code == 2
    assert err.startswith("error: RequestTooLargeException: ")
    assert "1048591 bytes, over 1048576 for an asynchronous invocation" in err
    assert out == ""
