"""Python handlers in execution environments of their own, as Lambda's Python runtimes run them.

Each test writes a small handler folder and runs it through the runtime's executor (its own process,
the Runtime API, the engine's endpoint for its SDK calls), without an engine or a stack.
"""

import io
import re
import resource
import sys
import textwrap
import uuid

import pytest

from local_runtime.errors import AwsError
from local_runtime.runtimes import interpreters
from local_runtime.runtimes.base import InvocationRequest, lambda_variables
from local_runtime.runtimes.python import PythonExecutor
from local_runtime.services.protocols.endpoint import Endpoint
from tests.support import needs

REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Calls:
    """Answers a handler's SDK calls: an SQS send, and a refusal for the rest; remembers each."""

    def __init__(self):
        self.received = []

    def call(self, service, operation, params, access_key=""):
        self.received.append((service, operation, params))
        if (service, operation) == ("sqs", "SendMessage"):
            return {"MessageId": "m-1", "MD5OfMessageBody": "x"}
        raise AwsError("AccessDenied", f"not allowed: {service}.{operation}", 403)


class Environment:
    """One execution environment of a handler folder written from ``files``."""

    def __init__(self, tmp_path, files, *, runtime="python3.12", handler="index.handler"):
        self.code = tmp_path / f"code-{uuid.uuid4().hex[:6]}"
        self.code.mkdir()
        for name, text in files.items():
            (self.code / name).write_text(textwrap.dedent(text))
        self.calls = Calls()
        self.endpoint = Endpoint(self.calls)
        self.runtime, self.handler = runtime, handler
        self.executor = PythonExecutor(
            self.code, handler, name="Fn", runtime=runtime, endpoint=lambda: self.endpoint.url
        )

    def invoke(self, event=None, *, timeout=3, environment=None, client_context=None):
        log = io.StringIO()
        variables = lambda_variables(
            name="fn", version="$LATEST", memory_mb=256, runtime=self.runtime, handler=self.handler, region="eu-west-1"
        )
        invocation = self.executor.invoke(
            InvocationRequest(
                event=event if event is not None else {},
                request_id=str(uuid.uuid4()),
                function_name="fn",
                function_version="$LATEST",
                invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
                memory_limit_in_mb=256,
                timeout_s=timeout,
                environment={**variables, **(environment or {})},
                out=log,
                client_context=client_context,
            )
        )
        return invocation, log.getvalue()

    def close(self):
        self.executor.close()
        self.endpoint.close()


@pytest.fixture
def environment(tmp_path):
    opened = []

    def open_environment(files, **options):
        opened.append(Environment(tmp_path, files, **options))
        return opened[-1]

    yield open_environment
    for env in opened:
        env.close()


def test_an_invocation_logs_start_end_and_report_around_the_handlers_lines(environment):
    env = environment(
        {
            "index.py": """
            import logging
            logger = logging.getLogger()
            logger.setLevel(logging.INFO)
            def handler(event, context):
                print("plain print")
                logger.info("from logging %s", event["n"])
                return {"doubled": event["n"] * 2}
            """
        }
    )
    invocation, log = env.invoke({"n": 21})
    assert (invocation.result, invocation.error) == ({"doubled": 42}, None)
    lines = log.splitlines()
    assert lines[0] == f"START RequestId: {invocation.request_id} Version: $LATEST"
    assert lines[1] == "plain print"
    assert re.fullmatch(
        rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{invocation.request_id}\tfrom logging 21", lines[2]
    )
    assert lines[3] == f"END RequestId: {invocation.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {invocation.request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t",  # each field ends with a tab
        lines[4],
    )


def test_an_unhandled_exception_is_answered_and_logged_as_awss_python_runtime_does(environment):
    env = environment({"index.py": "def handler(event, context):\n    raise ValueError('bad numbers')\n"})
    invocation, log = env.invoke()
    # THEN the payload of AWS's recordings: the message, the class, the request id, frames under /var/task
    assert invocation.error == {
        "errorMessage": "bad numbers",
        "errorType": "ValueError",
        "requestId": invocation.request_id,
        "stackTrace": ["  File \"/var/task/index.py\", line 2, in handler\n    raise ValueError('bad numbers')\n"],
    }
    assert "[ERROR] ValueError: bad numbers\nTraceback (most recent call last):\n" in log
    assert '\u00a0\u00a0File "/var/task/index.py", line 2, in handler\n' in log


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"index.py": "x = 1\n"},
            "index.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'index'",
        ),
        ({}, "index.handler", "Runtime.ImportModuleError", "Unable to import module 'index': No module named 'index'"),
        (
            {"index.py": "def handler(:\n"},
            "index.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'index'",
        ),
        ({"index.py": "raise KeyError('at import')\n"}, "index.handler", "KeyError", "'at import'"),
        (
            {"index.py": ""},
            "handler",
            "Runtime.MalformedHandlerName",
            "Bad handler 'handler': not enough values to unpack",
        ),
    ],
)
def test_what_cannot_be_loaded_fails_the_init_as_aws_reports_it(environment, files, handler, error_type, message):
    env = environment(files, handler=handler)
    invocation, _ = env.invoke()
    assert invocation.error["errorType"] == error_type
    assert invocation.error["errorMessage"].startswith(message)
    # AND an init error's requestId is empty, as AWS records it
    assert invocation.error["requestId"] == ""


def test_a_handler_past_its_timeout_is_stopped_with_its_process_and_the_next_starts_afresh(environment):
    env = environment(
        {
            "index.py": """
            import time
            count = 0
            def handler(event, context):
                global count
                count += 1
                while event.get("spin"):
                    try:
                        time.sleep(0.05)
                    except BaseException:  # what it catches cannot keep it alive: the process is stopped
                        pass
                return count
            """
        }
    )
    assert [env.invoke()[0].result for _ in range(2)] == [1, 2]
    timed_out, _ = env.invoke({"spin": True}, timeout=1)
    assert timed_out.error == {
        "errorMessage": f"RequestId: {timed_out.request_id} Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert timed_out.duration_ms == 1000
    # AND the next invocation runs in a new process: the module's count starts again
    assert env.invoke()[0].result == 1


def test_a_result_that_is_not_json_fails_with_a_marshal_error(environment):
    env = environment({"index.py": "def handler(event, context):\n    return {1, 2}\n"})
    invocation, _ = env.invoke()
    assert invocation.error["errorType"] == "Runtime.MarshalError"
    assert invocation.error["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


def test_the_handler_sees_the_functions_environment_only(environment, monkeypatch):
    # GIVEN a variable of the engine's own environment
    monkeypatch.setenv("ENGINE_SECRET", "not for handlers")
    env = environment({"index.py": "import os\ndef handler(event, context):\n    return dict(os.environ)\n"})
    seen, _ = env.invoke(environment={"TABLE": "jobs"})
    # THEN the handler sees Lambda's variables and the function's, nothing of the engine's
    assert "ENGINE_SECRET" not in seen.result
    assert {k: seen.result[k] for k in ("TABLE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "TZ", "_HANDLER")} == {
        "TABLE": "jobs",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_REGION": "eu-west-1",
        "TZ": ":UTC",
        "_HANDLER": "index.handler",
    }
    assert "AWS_LAMBDA_FUNCTION_TIMEOUT" not in seen.result  # AWS defines none (recorded)


def test_the_context_is_the_one_awss_python_runtime_gives(environment):
    env = environment(
        {
            "index.py": """
            def handler(event, context):
                return {
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "invoked_function_arn": context.invoked_function_arn,
                    "aws_request_id": context.aws_request_id,
                    "log_group_name": context.log_group_name,
                    "client_context": context.client_context,
                    "remaining": context.get_remaining_time_in_millis(),
                }
            """
        }
    )
    invocation, _ = env.invoke(timeout=5)
    context = invocation.result
    # THEN memory_limit_in_mb is a string and client_context None, as AWS records them
    assert {k: v for k, v in context.items() if k != "remaining"} == {
        "function_name": "fn",
        "function_version": "$LATEST",
        "memory_limit_in_mb": "256",
        "invoked_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:fn",
        "aws_request_id": invocation.request_id,
        "log_group_name": "/aws/lambda/fn",
        "client_context": None,
    }
    assert 4000 < context["remaining"] <= 5000
    # AND a client context passed to the invocation reaches the handler decoded
    assert env.invoke(client_context={"custom": {"k": "v"}})[0].result["client_context"] == {"custom": {"k": "v"}}


def test_boto3_calls_reach_the_endpoint_and_its_errors_are_client_errors(environment):
    env = environment(
        {
            "index.py": """
            import boto3
            from botocore.exceptions import ClientError
            def handler(event, context):
                # An explicit AWS endpoint, as a handler may write one: it still reaches the engine
                sqs = boto3.client("sqs", endpoint_url="https://sqs.eu-west-1.amazonaws.com")
                sent = sqs.send_message(QueueUrl=event["queue"], MessageBody="hello")["MessageId"]
                try:
                    boto3.client("sns").publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:t", Message="m")
                except ClientError as error:
                    return {"sent": sent, "refused": error.response["Error"]["Code"]}
            """
        }
    )
    queue = "https://sqs.eu-west-1.amazonaws.com/123456789012/work"
    invocation, _ = env.invoke({"queue": queue})
    assert invocation.result == {"sent": "m-1", "refused": "AccessDenied"}
    assert [(s, o) for s, o, _ in env.calls.received] == [("sqs", "SendMessage"), ("sns", "Publish")]
    assert env.calls.received[0][2] == {"QueueUrl": queue, "MessageBody": "hello"}


def test_max_memory_used_is_the_handlers_process_own(environment):
    env = environment(
        {"index.py": "blob = 'x' * (64 * 1024 * 1024)\ndef handler(event, context):\n    return len(blob)\n"}
    )
    _, log = env.invoke()
    report = re.search(r"Max Memory Used: (\d+) MB", log)
    assert report is not None, log
    used = int(report.group(1))
    # THEN about the 64 MB it holds and Python's own: less than this test process, more than the string
    assert 64 <= used < resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 + 64


@needs(interpreters.python_for("python3.13").exact, "a Python 3.13")
def test_a_python313_function_runs_on_python_313(environment):
    # GIVEN a handler with syntax new in Python 3.13 (a type parameter default)
    files = {"index.py": "import sys\ndef handler[T = int](event, context):\n    return list(sys.version_info[:2])\n"}
    # THEN it runs as python3.13 and fails as python3.12, as on Lambda
    assert environment(files, runtime="python3.13").invoke()[0].result == [3, 13]
    if interpreters.python_for("python3.12").exact:
        assert environment(files, runtime="python3.12").invoke()[0].error["errorType"] == "Runtime.UserCodeSyntaxError"


def test_a_runtime_the_machine_lacks_runs_on_the_engines_python_and_says_so(environment, tmp_path, monkeypatch):
    # GIVEN no Python 3.10 anywhere the runtime looks
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", "/usr/bin/not-here")
    interpreters.python_for.cache_clear()
    try:
        env = environment(
            {"index.py": "import sys\ndef handler(event, context):\n    return sys.executable\n"}, runtime="python3.10"
        )
        invocation, log = env.invoke()
    finally:
        interpreters.python_for.cache_clear()
    # THEN it ran on the engine's own interpreter, and the log says which
    own = ".".join(map(str, sys.version_info[:3]))
    assert invocation.result == sys.executable
    assert f"Fn: python3.10 is not on this machine: running on Python {own} ({sys.executable}) instead" in log
