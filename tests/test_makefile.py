"""The Makefile: `make invoke` and `make inspect` synthesize only when something the output is made of
changed, and `make invoke` passes any payload text through unchanged.

`make` runs in a copy of the app (its installed environments shared), so the project's own cdktf.out
and functions/ are never touched.
"""

import json
import os
import subprocess

import pytest

from tests.support import copy_of_app

pytestmark = pytest.mark.slow

SYNTH = ".venv/bin/python main.py"
# A value First refuses and repeats in its error: quotes, $ references, a make function, backquotes, a backslash.
VALUE = "it's $5, $$HOME, ${HOME}, $(shell echo made), `echo shell` and \\n"
PAYLOAD = json.dumps({"numbers": [VALUE]})
# How the local runtime logs First's error for it (the handler's repr of the value, in its [ERROR] line).
REFUSED = f"must be a finite number; got {VALUE!r}"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return copy_of_app(tmp_path_factory.mktemp("makefile") / "app")


def make(app, *args, **environment):
    """`make ARGS` in the copy, as from a terminal (not as a sub-make of `make test`): (exit code, output)."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PAYLOAD")}
    completed = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=app,
        env={**inherited, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return completed.returncode, completed.stdout


def invoke(app, **environment):
    return make(app, "invoke", "STACK=function-destination", "FUNCTION=First", f"PAYLOAD={PAYLOAD}", **environment)


def test_a_payload_reaches_the_handler_as_written_on_the_command_line_or_in_the_environment(app):
    # GIVEN a payload with an apostrophe, $ references, a make function and backquotes
    for code, output in (
        # WHEN it is given on make's command line, and then in the environment
        invoke(app),
        make(app, "invoke", "STACK=function-destination", "FUNCTION=First", PAYLOAD=PAYLOAD),
    ):
        # THEN First received exactly that text (it repeats the value it refuses)
        assert code == 0, output[-3000:]
        assert REFUSED in output, output[-3000:]


def test_make_invoke_synthesizes_again_only_when_a_source_or_a_setting_changed(app):
    # GIVEN an output synthesized for what the copy holds now
    invoke(app)
    # WHEN nothing changed THEN make invoke runs the stack without synthesizing
    code, output = invoke(app)
    assert code == 0 and SYNTH not in output, output[-3000:]
    # WHEN a handler file changes THEN it synthesizes first, once
    os.utime(app / "functions" / "first" / "index.py")
    code, output = invoke(app)
    assert code == 0 and output.count(SYNTH) == 1, output[-3000:]
    # WHEN a setting of stacks/settings.py changes in the environment THEN it synthesizes with it, once
    code, output = invoke(app, DEPLOY_ENV="qa")
    assert code == 0 and SYNTH in output and "lambda-async-qa-function-destination-First" in output, output[-3000:]
    code, output = invoke(app, DEPLOY_ENV="qa")
    assert code == 0 and SYNTH not in output, output[-3000:]
    # AND make inspect reads the same output without synthesizing
    code, output = make(app, "inspect", DEPLOY_ENV="qa")
    assert code == 0 and SYNTH not in output and "0 problem(s)" in output, output[-3000:]


def test_make_invoke_without_a_payload_says_how_to_call_it(app):
    code, output = make(app, "invoke", "STACK=function-destination", "FUNCTION=First")
    assert code == 2
    assert "usage: make invoke STACK=<stack> FUNCTION=<construct id> PAYLOAD='<json>'" in output
