"""What every runtime's executor takes and gives: one invocation's request, its outcome, the interface.

The engine hands an executor an ``InvocationRequest`` (the event and what Lambda tells a runtime
about the invocation: request id, function name and version, memory, deadline, environment) and
gets an ``Invocation`` back: the result, or the error payload Lambda's runtimes produce
(``errorType``, ``errorMessage`` and the trace), with the duration. An executor is one warm
execution environment of one function version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO


@dataclass
class Invocation:
    """The outcome of one invocation: ``result`` or the runtime's ``error`` payload."""

    request_id: str
    event: Any
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    log: str = ""  # what it wrote to the log, START to REPORT (an Invoke with LogType Tail returns its end)

    @property
    def error_type(self) -> str | None:
        return self.error.get("errorType") if self.error else None


@dataclass(frozen=True)
class InvocationRequest:
    """What Lambda tells a runtime about one invocation, and where its log lines go."""

    event: Any
    request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: float
    environment: Mapping[str, str]
    out: TextIO
    region: str = "us-east-1"
    log_group_name: str = ""
    client_context: Any = None  # what the caller passed as ClientContext (Lambda hands it to the handler)


class Executor(Protocol):
    """One execution environment of one function version."""

    def invoke(self, request: InvocationRequest) -> Invocation: ...

    def close(self) -> None: ...


def timed_out(request_id: str, timeout_s: float) -> dict[str, Any]:
    """The error of an invocation the engine stopped at its timeout (``Sandbox.Timedout``), its type
    first as AWS's 2025 recording has it (LocalStack's lambda_/test_lambda.snapshot.json, 8b9a79f0)."""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
    }


def lambda_variables(
    *, name: str, version: str, memory_mb: int, runtime: str, handler: str, region: str
) -> dict[str, str]:
    """The environment variables Lambda defines for every function ("Defined runtime environment
    variables"); the SDKs sign with test credentials and reach the engine's endpoint (``process``)."""
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "_HANDLER": handler,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
    }
