"""A stack a user adds to main.py deploys to the emulator with tools/ unchanged (make deploy-local's tool).

The app is copied to a temporary folder (tools/ included, as it is), a stack is added to that copy
only, and ``python -m tools.emulator`` runs there with the real cdktf CLI and a moto server of the
test's own. Marked ``emulator``: it runs the CLI four times (two synths, a deploy, a destroy).
"""

import json
import os
import re
import subprocess
import sys

import boto3
import pytest

from tests.support import copy_of_app
from tools.emulator import REGION, Emulator, free_port, port_taken

pytestmark = pytest.mark.emulator

ANSI_ESCAPE = re.compile(r"\x1b\[")

USER_STACK = """
from constructs import Construct

from components import Function
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings


class CounterStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        counter = Function(self, "Counter", code=FUNCTIONS_DIR / "first")
        self.output("counter_function_name", counter.name, "The user's own function")
"""


@pytest.fixture
def app_copy(tmp_path):
    """A copy of the app with one more stack, ``my-counter``, registered in its main.py only."""
    copy = copy_of_app(tmp_path / "app")
    (copy / "stacks" / "counter.py").write_text(USER_STACK)
    main = (copy / "main.py").read_text()
    registered = main.replace(
        "\n\ndef build(",
        '\nfrom stacks.counter import CounterStack  # noqa: E402\n\nSTACKS["my-counter"] = CounterStack\n\n\ndef build(',
    )
    assert registered != main
    (copy / "main.py").write_text(registered)
    return copy


def emulator_tool(app, workdir, port, *args):
    """``python -m tools.emulator ARGS`` in the copy, as make deploy-local runs it; its output and exit code."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("TF_STATE_BUCKET", "CDKTF_OUTDIR")},
        "EMULATOR_PORT": str(port),
        "EMULATOR_DIR": str(workdir),
        "GOGC": "800",
        "GOMAXPROCS": "1",
    }
    completed = subprocess.run(
        [sys.executable, "-u", "-m", "tools.emulator", *args],
        cwd=app,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return completed.returncode, completed.stdout


def test_a_stack_added_to_the_app_is_deployed_and_destroyed_without_a_change_in_tools(app_copy, tmp_path):
    workdir, port = tmp_path / "emulator", free_port()
    try:
        # GIVEN the copy of the app with the user's stack WHEN a stack the app does not have is asked for
        code, output = emulator_tool(app_copy, workdir, port, "deploy", "no-such-stack")
        # THEN the tool names every stack of the synthesized app, the user's among them, and starts nothing
        assert code == 1, output
        assert "error: the app has no stack 'no-such-stack'; its stacks: function-destination, " in output
        assert ", my-counter, " in output
        assert not port_taken(port)

        # WHEN the user's stack is deployed by its name
        code, output = emulator_tool(app_copy, workdir, port, "deploy", "my-counter")
        # THEN it is on the emulator, its outputs are in outputs.json, and the file named is that one
        assert code == 0, output[-4000:]
        function_name = "lambda-async-dev-my-counter-Counter"
        assert f"  function  {function_name}" in output
        outputs_file = workdir / "outputs.json"
        assert json.loads(outputs_file.read_text()) == {"my-counter": {"counter_function_name": function_name}}
        # (the CLI breaks its lines at 80 columns, inside a long path too)
        assert f"The outputs have been written to {outputs_file}" in output.replace("\n", "")
        assert "outputs.new.json" not in output
        # AND the log holds no terminal escapes
        assert ANSI_ESCAPE.findall(output) == [], output[-2000:]
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        lam = session.client("lambda", endpoint_url=f"http://127.0.0.1:{port}")
        assert lam.get_function(FunctionName=function_name)["Configuration"]["Runtime"] == "python3.12"

        # WHEN it is destroyed THEN nothing is left deployed and the server stops
        code, output = emulator_tool(app_copy, workdir, port, "destroy", "my-counter")
        assert code == 0, output[-4000:]
        assert f"moto server on http://127.0.0.1:{port} stopped" in output
        assert ANSI_ESCAPE.findall(output) == []
        assert not outputs_file.exists()
    finally:
        if port_taken(port):
            Emulator(workdir, port).stop()
