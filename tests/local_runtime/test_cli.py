"""lambda-local: its commands from any directory, on a stack's name or a stack's folder; bad input in one line."""

import io
import json
import socket

import pytest

from local_runtime.cli import main
from local_runtime.runtimes.node import sdk_cache


def lambda_local(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(arg) for arg in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_invoke_takes_a_stacks_own_folder_from_any_directory(synthesized_app, tmp_path, monkeypatch):
    # GIVEN a working directory with no cdktf.out
    monkeypatch.chdir(tmp_path)
    # WHEN a function is invoked by its stack's folder
    folder = synthesized_app / "stacks" / "sqs-destination"
    code, out, err = lambda_local("invoke", folder, "First", "--payload", '{"numbers": [4, 5]}', "--json")
    # THEN it ran that stack's wiring
    assert code == 0, err
    assert json.loads(out)["queues"]["Queue"][0]["responsePayload"]["sum"] == 9


def test_inspect_takes_one_stacks_folder(synthesized_app):
    code, out, _ = lambda_local("inspect", synthesized_app / "stacks" / "response-only")
    assert code == 0
    assert out.startswith("== stack response-only\n")
    assert out.rstrip().endswith("1 stacks, 2 hops verified, 0 problem(s)")


def test_a_stack_name_not_under_the_outdir_is_one_line_naming_both(synthesized_app, tmp_path):
    code, out, err = lambda_local("invoke", "nope", "First", "--payload", "{}", "--outdir", synthesized_app)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: stack 'nope' is not synthesized under {synthesized_app} (synthesized: ")
    assert err.endswith(": synthesize it first (cdktf synth)\n") and err.count("\n") == 1


def test_api_on_a_port_in_use_is_one_line_and_exit_2(synthesized_app):
    # GIVEN a port another program listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # WHEN the HTTP API is asked to listen there
        code, out, err = lambda_local("api", "long-job-api", "--outdir", synthesized_app, "--port", port)
    # THEN one line says so and how to pick another, without a traceback
    assert (code, out) == (2, "")
    assert err == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "pick another port with --port (0: any free port)\n"
    )


def test_the_node_sdk_named_by_the_environment_is_the_one_handlers_get(tmp_path, monkeypatch):
    # GIVEN LAMBDA_LOCAL_NODE_SDK naming a node_modules folder
    modules = tmp_path / "node_modules"
    modules.mkdir()
    monkeypatch.setenv("LAMBDA_LOCAL_NODE_SDK", str(modules))
    # WHEN node-sdk is asked for it THEN it names that folder and installs nothing
    assert lambda_local("node-sdk") == (0, f"the JavaScript SDK v3 for Node.js handlers is in {modules}\n", "")


@pytest.mark.slow
def test_node_sdk_installs_the_locked_sdk_into_the_user_cache(tmp_path, monkeypatch):
    # GIVEN an empty user cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LAMBDA_LOCAL_NODE_SDK", raising=False)
    # WHEN the SDK is installed
    code, out, err = lambda_local("node-sdk", "--reinstall")
    # THEN the locked clients are in the cache, in a folder named after the lock
    installed = sdk_cache() / "node_modules"
    assert (code, err) == (0, "")
    assert out == f"the JavaScript SDK v3 for Node.js handlers installed in {installed}\n"
    assert installed.is_relative_to(tmp_path / "lambda-local")
    for client in ("client-sqs", "client-sns", "client-s3", "client-lambda", "client-dynamodb", "client-eventbridge"):
        assert (installed / "@aws-sdk" / client / "package.json").is_file()
