"""tools.emulator: a moto server that cannot get lost, leftovers recovered and said, outputs kept.

Real moto servers on free loopback ports (stopped by each test); the cdktf CLI is replaced by a
synthesizer that writes a manifest naming the app's stacks, and a runner that records the call and
writes what a deploy would (state files, outputs). tests/integration/test_emulator_user_stack.py
runs the real CLI on a stack added to a copy of the app.
"""

import json
import shutil
import socket

import boto3
import pytest

from tools.emulator import (
    Emulator,
    EmulatorError,
    client_environment,
    endpoint,
    ensure_state_bucket,
    free_port,
    is_up,
    main,
    port_taken,
)

# Most of these start a real moto server (about a second each): `make test` runs them, `make check` does not.
pytestmark = pytest.mark.slow


APP_STACKS = ("function-destination", "long-job-api", "response-only", "self-invoking", "sqs-destination")


def fake_synth(stacks=APP_STACKS, calls=None):
    """A synthesizer writing the manifest cdktf would write for an app of ``stacks``."""

    def synthesize(emulator_endpoint, workdir):
        if calls is not None:
            calls.append(("synth", emulator_endpoint))
        outdir = workdir / "cdktf.out"
        outdir.mkdir(parents=True, exist_ok=True)
        manifest = {"version": "0.21.0", "stacks": {name: {"name": name} for name in stacks}}
        (outdir / "manifest.json").write_text(json.dumps(manifest))

    return synthesize


def fake_cdktf(calls):
    def runner(verb, stacks, emulator_endpoint, workdir, outputs_file):
        calls.append((verb, tuple(stacks)))
        if verb == "deploy":
            (workdir / "state").mkdir(parents=True, exist_ok=True)
            for stack in stacks:
                (workdir / "state" / f"terraform.{stack}.tfstate").write_text("{}")
            outputs_file.write_text(json.dumps({stack: {"name": f"{stack}-output"} for stack in stacks}))

    return runner


@pytest.fixture
def emulator(tmp_path):
    """(emulator, messages, cdktf calls) on a free port, whatever listens there stopped at the end."""
    messages: list[str] = []
    calls: list[tuple[str, tuple[str, ...]]] = []
    made = Emulator(
        tmp_path / ".emulator", free_port(), runner=fake_cdktf(calls), say=messages.append, synthesizer=fake_synth()
    )
    yield made, messages, calls
    if port_taken(made.port):
        made.stop()


def test_a_server_left_running_after_make_clean_is_found_by_its_port_and_stopped(emulator):
    # GIVEN a deployment, then `make clean` deleting every emulator file while the server runs
    first, _, _ = emulator
    first.deploy(["response-only"])
    shutil.rmtree(first.workdir)
    assert is_up(first.port)
    # WHEN destroy-local runs with nothing on disk
    messages: list[str] = []
    Emulator(first.workdir, first.port, runner=fake_cdktf([]), say=messages.append, synthesizer=fake_synth()).destroy(
        ["response-only"]
    )
    # THEN it found the server from its port and stopped it: the port is free
    assert messages == [f"moto server on {endpoint(first.port)} stopped"]
    assert not port_taken(first.port)


def test_a_deploy_after_make_clean_resets_the_orphaned_server_and_says_so(emulator):
    # GIVEN a server holding a resource whose state was deleted
    first, _, _ = emulator
    first.deploy(["sqs-destination"])
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint(first.port),
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    sqs.create_queue(QueueName="left-over")
    shutil.rmtree(first.workdir)
    # WHEN deploying again
    messages: list[str] = []
    Emulator(first.workdir, first.port, runner=fake_cdktf([]), say=messages.append, synthesizer=fake_synth()).deploy(
        ["sqs-destination"]
    )
    # THEN the server was reset (no EntityAlreadyExists later), and the message says why
    assert sqs.list_queues().get("QueueUrls", []) == []
    (message,) = messages
    assert message.startswith(f"moto server on {endpoint(first.port)} (pid ")
    assert message.endswith(
        "was left running without the state of what it holds (after `make clean`?): "
        "reset it, so this deploy starts from nothing"
    )


def test_without_names_every_stack_of_the_synthesized_app_is_deployed_a_users_own_included(tmp_path):
    # GIVEN an app whose manifest names a stack no tool knows of (one a user added to main.py)
    calls: list[tuple] = []
    messages: list[str] = []
    stacks = ("function-destination", "my-counter")
    made = Emulator(
        tmp_path / ".emulator",
        free_port(),
        runner=fake_cdktf(calls),
        say=messages.append,
        synthesizer=fake_synth(stacks, calls),
    )
    try:
        # WHEN deploy and destroy run without stack names
        deployed = made.deploy()
        destroyed = made.destroy()
    finally:
        if port_taken(made.port):
            made.stop()
    # THEN the app was synthesized for this emulator first, and each verb took every stack of its manifest
    endpoint_url = endpoint(made.port)
    assert calls == [
        ("synth", endpoint_url),
        ("deploy", stacks),
        ("synth", endpoint_url),
        ("destroy", stacks),
    ]
    assert deployed == destroyed == list(stacks)


def test_a_stack_the_app_does_not_have_is_refused_naming_those_it_has_before_moto_starts(emulator):
    made, _, calls = emulator
    with pytest.raises(EmulatorError) as caught:
        made.deploy(["my-counter", "response-only"])
    assert str(caught.value) == (
        "the app has no stack 'my-counter'; its stacks: function-destination, long-job-api, response-only, "
        "self-invoking, sqs-destination"
    )
    assert calls == [] and not port_taken(made.port)


def test_an_app_that_wrote_no_manifest_is_named(tmp_path):
    made = Emulator(
        tmp_path / ".emulator", free_port(), runner=fake_cdktf([]), synthesizer=lambda endpoint, workdir: None
    )
    with pytest.raises(EmulatorError) as caught:
        made.deploy()
    manifest = tmp_path / ".emulator" / "cdktf.out" / "manifest.json"
    assert str(caught.value) == f"{manifest} does not exist: synthesize first (make synth, or ./cdktf synth)"


def test_the_cli_writes_outputs_json_itself_and_the_other_stacks_outputs_are_kept_beside_them(emulator):
    # GIVEN a stack deployed, and a runner that writes only what it deployed, as the CLI does
    made, _, _ = emulator
    made.deploy(["response-only"])
    written: list[object] = []

    def cli(verb, stacks, emulator_endpoint, workdir, outputs_file):
        written.append(outputs_file)
        outputs_file.write_text(json.dumps({"long-job-api": {"api_url": "http://api"}}))

    made.runner = cli
    # WHEN another stack is deployed
    made.deploy(["long-job-api"])
    # THEN the CLI was given outputs.json itself (the file its message names), and both stacks' outputs are in it
    assert written == [made.outputs_file] and made.outputs_file.name == "outputs.json"
    assert made.outputs() == {
        "long-job-api": {"api_url": "http://api"},
        "response-only": {"name": "response-only-output"},
    }
    assert sorted(p.name for p in made.workdir.glob("outputs*")) == ["outputs.json"]


def test_a_failed_deploy_keeps_the_outputs_of_what_was_deployed(emulator):
    made, _, _ = emulator
    made.deploy(["response-only"])

    def failing(verb, stacks, emulator_endpoint, workdir, outputs_file):
        outputs_file.write_text("{}")
        raise EmulatorError("cdktf deploy failed (exit 1)")

    made.runner = failing
    with pytest.raises(EmulatorError):
        made.deploy(["long-job-api"])
    assert made.outputs() == {"response-only": {"name": "response-only-output"}}


def test_the_help_describes_both_verbs_the_stacks_and_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per help text, whatever the terminal
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    for expected in (
        "deploy: start moto if needed",
        "destroy: destroy, and stop moto once no stack is left deployed",
        "stack names as main.py names them [all]",
        "its stacks are read from the synthesized",
        "EMULATOR_PORT",
        "EMULATOR_DIR",
        "TF_STATE_BUCKET",
    ):
        assert expected in text


def test_a_taken_port_is_named_with_how_to_pick_another(emulator):
    made, _, calls = emulator
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", made.port))
        squatter.listen()
        with pytest.raises(EmulatorError) as caught:
            made.deploy(["response-only"])
    message = str(caught.value)
    assert message.startswith(f"port {made.port} on 127.0.0.1 is in use by pid ")
    assert message.endswith(
        f"Pick another port: EMULATOR_PORT={made.port + 1} make deploy-local (and the same for destroy-local)"
    )
    assert calls == []


def test_a_partial_destroy_keeps_the_server_and_says_so(emulator):
    made, messages, calls = emulator
    made.deploy(["response-only", "self-invoking"])
    made.destroy(["response-only"])
    assert messages[-1] == (
        f"moto server keeps running on {endpoint(made.port)} for the stacks still deployed: "
        "self-invoking (make destroy-local stops it after destroying them)"
    )
    assert is_up(made.port)
    assert made.outputs() == {"self-invoking": {"name": "self-invoking-output"}}
    assert calls == [("deploy", ("response-only", "self-invoking")), ("destroy", ("response-only",))]


def test_a_one_stack_deploy_keeps_the_outputs_of_the_others(emulator):
    made, _, _ = emulator
    made.deploy(["response-only"])
    made.deploy(["long-job-api"])
    assert sorted(made.outputs()) == ["long-job-api", "response-only"]


def test_state_left_by_a_server_that_is_gone_is_removed_and_said(emulator):
    # GIVEN state and outputs on disk but no server
    made, messages, _ = emulator
    (made.state_dir).mkdir(parents=True)
    (made.state_dir / "terraform.old-stack.tfstate").write_text("{}")
    made.outputs_file.write_text(json.dumps({"old-stack": {}}))
    # WHEN deploying THEN the stale state is gone, and the message says so before the server starts
    made.deploy(["response-only"])
    assert (
        messages[0]
        == f"removed the emulator state in {made.state_dir}: the server it described is gone, and its resources with it"
    )
    assert messages[1].startswith(f"moto server started on {endpoint(made.port)} (pid ")
    assert sorted(p.name for p in made.state_dir.iterdir()) == ["terraform.response-only.tfstate"]
    assert sorted(made.outputs()) == ["response-only"]


def test_destroy_without_a_server_says_where_it_looked(emulator):
    made, messages, calls = emulator
    made.destroy(["response-only"])
    assert messages == [
        f"no moto server answers on {endpoint(made.port)}: nothing to destroy "
        "(EMULATOR_PORT names the port if it was started on another)"
    ]
    assert calls == []


def test_a_bad_emulator_port_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("EMULATOR_PORT", "80")
    with pytest.raises(SystemExit) as caught:
        main(["deploy"])
    assert caught.value.code == 2
    assert "EMULATOR_PORT must be a port number between 1024 and 65535; got '80'" in capsys.readouterr().err


def test_the_client_environment_sends_every_call_to_the_emulator_with_test_credentials():
    # GIVEN a user environment with a profile, a session and endpoints of its own
    user = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "prod",
        "AWS_SESSION_TOKEN": "token",
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
        "AWS_ENDPOINT_URL": "https://example.com",
        "AWS_ENDPOINT_URL_LAMBDA": "https://lambda.example.com",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    }
    # WHEN the emulator's tools build the environment of terraform and the cdktf CLI
    env = client_environment("http://127.0.0.1:4599", base=user)
    # THEN nothing of the user's can redirect a call or lend it real credentials
    assert {k: v for k, v in env.items() if k.startswith("AWS_")} == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4599",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    assert env["EMULATOR_ENDPOINT"] == "http://127.0.0.1:4599" and env["PATH"] == "/usr/bin"


# --- remote state (TF_STATE_BUCKET) -----------------------------------------------------------------


def test_with_a_state_bucket_the_deploy_creates_it_versioned_and_keeps_no_local_state(tmp_path):
    messages: list[str] = []

    def runner(verb, stacks, emulator_endpoint, workdir, outputs_file):
        outputs_file.write_text("{}")

    made = Emulator(
        tmp_path / ".emulator",
        free_port(),
        runner=runner,
        say=messages.append,
        state_bucket="team-state",
        synthesizer=fake_synth(),
    )
    try:
        made.deploy(["sqs-destination"])
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint(made.port),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        # THEN the bucket is there, versioned, and said once
        assert s3.get_bucket_versioning(Bucket="team-state")["Status"] == "Enabled"
        assert messages[-1] == "state bucket team-state created on the emulator (versioning on, lock file checked)"
        # AND a second deploy to the running server (no local state) keeps it: the state lives in the server
        sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint(made.port),
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        sqs.create_queue(QueueName="deployed")
        again: list[str] = []
        Emulator(
            tmp_path / "other",
            made.port,
            runner=runner,
            say=again.append,
            state_bucket="team-state",
            synthesizer=fake_synth(),
        ).deploy(["sqs-destination"])
        assert again[0].startswith(f"moto server already running on {endpoint(made.port)} (pid ")
        assert len(sqs.list_queues()["QueueUrls"]) == 1
    finally:
        if port_taken(made.port):
            made.stop()


def test_a_server_that_accepts_a_second_conditional_write_is_refused(monkeypatch):
    # GIVEN an S3 that ignores If-None-Match (a stand-in for an old emulator)
    class Careless:
        def __init__(self):
            self.objects = {}

        def list_buckets(self):
            return {"Buckets": []}

        def create_bucket(self, Bucket):  # noqa: N803 - boto3's parameter names
            pass

        def put_bucket_versioning(self, **_):
            pass

        def put_object(self, Bucket, Key, Body, IfNoneMatch):  # noqa: N803
            self.objects[Key] = Body

    monkeypatch.setattr("tools.emulator.s3_client", lambda endpoint: Careless())
    with pytest.raises(EmulatorError) as error:
        ensure_state_bucket("http://127.0.0.1:1", "team-state")
    assert "accepted a second conditional write (If-None-Match: *): Terraform's S3 lock would not lock" in str(
        error.value
    )
