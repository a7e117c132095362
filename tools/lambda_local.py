"""Run Lambda handlers in-process the way Lambda would, for local invokes and tests.

- ``LambdaContext``: timeout, remaining time, request id, function name/ARN;
- ``load_function``: imports ``functions/<name>/index.py`` by path, under a private module name;
- ``LocalRunner``: invokes a handler, prints Lambda-style START/END/REPORT lines, and queues
  asynchronous self-invocations (``InvocationType="Event"``) made through ``LocalLambdaClient``
  so a self-invoking chain runs hop by hop locally;
- ``destination_record`` / ``eventbridge_event`` / ``apply_input_path``: the exact shapes AWS sends
  to an on-success/on-failure destination and through an EventBridge rule.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import resource
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Optional, TextIO

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's Python context object that handlers use."""

    function_name: str = "local-function"
    memory_limit_in_mb: int = 128
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    clock: Callable[[], float] = time.monotonic
    started_at: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started_at = self.clock()
        self.invoked_function_arn = function_arn(self.function_name)
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (self.clock() - self.started_at) * 1000))


def load_function(name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """The module ``functions/<name>/index.py`` (a fresh module each call)."""
    path = functions_dir / name / "index.py"
    if not path.is_file():
        available = sorted(p.parent.name for p in functions_dir.glob("*/index.py"))
        raise ValueError(f"unknown function {name!r}; available: {', '.join(available)}")
    spec = importlib.util.spec_from_file_location(f"local_lambda_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalLambdaClient:
    """Stands in for ``boto3.client("lambda")``: asynchronous invokes are queued, not sent."""

    def __init__(self) -> None:
        self.queued: deque[tuple[str, Any]] = deque()

    def invoke(self, *, FunctionName: str, InvocationType: str = "RequestResponse", Payload: bytes | str = b"{}", **_: Any):
        if InvocationType != "Event":
            raise ValueError(f"the local client only supports InvocationType='Event'; got {InvocationType!r}")
        self.queued.append((FunctionName, json.loads(Payload)))
        return {"StatusCode": 202, "Payload": io.BytesIO(b"")}


@dataclass
class Invocation:
    request_id: str
    event: Any
    result: Any = None
    error: Optional[dict[str, Any]] = None
    duration_ms: float = 0.0


@dataclass
class LocalRunner:
    """Runs one function's handler locally; follows its asynchronous self-invocations."""

    name: str
    timeout_ms: int = 30_000
    memory_mb: int = 128
    out: TextIO = field(default_factory=lambda: io.StringIO())
    max_invocations: int = 10_000

    def __post_init__(self) -> None:
        self.module = load_function(self.name)
        self.client = LocalLambdaClient()
        if hasattr(self.module, "lambda_client"):
            # The handler's own client factory, so re-invocations reach this runner instead of AWS.
            self.module.lambda_client = lambda: self.client
        self.invocations: list[Invocation] = []

    def invoke(self, event: Any) -> Invocation:
        context = LambdaContext(function_name=self.name, memory_limit_in_mb=self.memory_mb, timeout_ms=self.timeout_ms)
        invocation = Invocation(request_id=context.aws_request_id, event=event)
        print(f"START RequestId: {context.aws_request_id} Version: $LATEST", file=self.out)
        log_handler = logging.StreamHandler(self.out)
        log_handler.setFormatter(logging.Formatter(f"[%(levelname)s]\t%(asctime)s\t{context.aws_request_id}\t%(message)s"))
        logging.getLogger().addHandler(log_handler)
        started = time.perf_counter()
        try:
            invocation.result = self.module.handler(event, context)
        except Exception as error:  # noqa: BLE001 - reported the way Lambda reports an unhandled error
            invocation.error = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            print(json.dumps({k: invocation.error[k] for k in ("errorMessage", "errorType")}), file=self.out)
        finally:
            logging.getLogger().removeHandler(log_handler)
        invocation.duration_ms = (time.perf_counter() - started) * 1000
        print(f"END RequestId: {context.aws_request_id}", file=self.out)
        max_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"REPORT RequestId: {context.aws_request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(invocation.duration_ms + 0.5))} ms\tMemory Size: {self.memory_mb} MB\t"
            f"Max Memory Used: {max_memory_mb} MB",
            file=self.out,
        )
        self.invocations.append(invocation)
        return invocation

    def run_chain(self, event: Any) -> list[Invocation]:
        """Invoke with ``event``, then every queued asynchronous invoke of this function, in order."""
        first = len(self.invocations)
        self.invoke(event)
        while self.client.queued:
            target, payload = self.client.queued.popleft()
            if target != self.name:
                raise ValueError(f"{self.name} invoked {target!r}; the local chain only follows self-invocations")
            if len(self.invocations) - first >= self.max_invocations:
                raise RuntimeError(f"stopped after {self.max_invocations} local invocations: the chain does not end")
            self.invoke(payload)
        return self.invocations[first:]


def destination_record(function_name: str, invocation: Invocation, *, attempts: int = 1) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-success or on-failure destination."""
    failed = invocation.error is not None
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if failed:
        response_context["functionError"] = "Unhandled"
    return {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": invocation.request_id,
            "functionArn": f"{function_arn(function_name)}:$LATEST",
            "condition": "RetriesExhausted" if failed else "Success",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": invocation.event,
        "responseContext": response_context,
        "responsePayload": invocation.error if failed else invocation.result,
    }


def eventbridge_event(record: dict[str, Any]) -> dict[str, Any]:
    """The event Lambda puts on an EventBridge bus for a destination record."""
    outcome = "Success" if record["requestContext"]["condition"] == "Success" else "Failure"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": f"Lambda Function Invocation Result - {outcome}",
        "source": "lambda",
        "account": ACCOUNT,
        "time": record["timestamp"][:19] + "Z",
        "region": REGION,
        "resources": [record["requestContext"]["functionArn"]],
        "detail": record,
    }


def apply_input_path(event: dict[str, Any], input_path: str) -> Any:
    """EventBridge ``InputPath`` for the dotted form used here (``$.detail.responsePayload``)."""
    if not input_path.startswith("$"):
        raise ValueError(f"input path must start with '$'; got {input_path!r}")
    value: Any = event
    for key in filter(None, input_path[1:].split(".")):
        value = value[key]
    return value
