"""Lambda's ``Invoke`` as a handler calls it: its role must allow it, the payload must fit.

AWS's Invoke API reference: ``InvocationType`` ``Event`` queues the event and answers 202 with an
empty payload; ``DryRun`` checks the caller's permission and runs nothing (204); ``RequestResponse``
(the default) runs the function now and answers 200 with its result as ``Payload``, the version it
ran as ``ExecutedVersion`` and, when the handler failed, ``FunctionError: Unhandled`` with the
error as the payload. A payload over 1,048,576 bytes (asynchronous) or 6,291,456 bytes
(synchronous) is refused (``RequestTooLargeException``, 413). ``LogType`` ``Tail`` adds, to a
synchronous invocation's answer only, ``LogResult``: the last 4 KB of its log (START to REPORT),
base64-encoded. An ``InvocationType`` or ``LogType`` outside its enum is refused as the service's
model validation refuses it (``ValidationException``, 400).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.limits import MAX_ASYNC_PAYLOAD_BYTES, MAX_SYNC_PAYLOAD_BYTES
from local_runtime.model.records import Function, StackModel
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import Invoke


@dataclass(frozen=True)
class Answer:
    """What a synchronous invocation gave back: the handler's result, or its error payload."""

    payload: Any
    failed: bool
    version: str
    log: str = ""


# Runs ``function`` (at ``qualifier``) now with ``payload``, called by ``caller``: the engine's.
Runner = Callable[[Caller, Function, "str | None", Any], Answer]


def too_large(size: int, limit: int = MAX_ASYNC_PAYLOAD_BYTES) -> str:
    """Lambda's RequestTooLargeException for a payload of ``size`` bytes (Invoke API reference)."""
    kind = "an asynchronous" if limit == MAX_ASYNC_PAYLOAD_BYTES else "a synchronous"
    return (
        f"The request payload exceeded the Invoke request body JSON input quota: {size} bytes, "
        f"over {limit} for {kind} invocation"
    )


LOG_TAIL_BYTES = 4096
INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")


def _enum(params: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    """``params[name]``, or Lambda's ValidationException for a value outside ``allowed``."""
    value = params.get(name, default)
    if value not in allowed:
        field = name[0].lower() + name[1:]
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]",
            400,
        )
    return str(value)


def payload_bytes(payload: Any) -> bytes:
    """An Invoke ``Payload`` (bytes, str, or a file-like object) as bytes."""
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, str):
        payload = payload.encode()
    return bytes(payload or b"")


def invoke(
    model: StackModel, caller: Caller, params: dict[str, Any], run: Runner | None = None
) -> tuple[dict[str, Any], list[Invoke]]:
    """The response to ``Invoke`` (``StatusCode``, ``Payload`` bytes), or AwsError as AWS answers.
    ``run`` runs a ``RequestResponse`` invocation (without it, one is refused as not emulated)."""
    invocation_type = _enum(params, "InvocationType", INVOCATION_TYPES, "RequestResponse")
    log_type = _enum(params, "LogType", LOG_TYPES, "None")
    name = str(params.get("FunctionName", ""))
    function, named_qualifier = model.function_at(name)
    qualifier = params.get("Qualifier") or named_qualifier
    if function is None:
        raise AwsError("ResourceNotFoundException", f"Function not found: {name}", 404)
    target = f"{function.arn}:{qualifier}" if qualifier else function.arn
    require(model, caller, "lambda:InvokeFunction", target, "AccessDeniedException")
    if invocation_type == "DryRun":
        return {"StatusCode": 204, "Payload": b""}, []
    raw = payload_bytes(params.get("Payload"))
    limit = MAX_ASYNC_PAYLOAD_BYTES if invocation_type == "Event" else MAX_SYNC_PAYLOAD_BYTES
    if len(raw) > limit:
        raise AwsError("RequestTooLargeException", too_large(len(raw), limit), 413)
    try:
        payload = json.loads(raw.decode() or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AwsError("InvalidRequestContentException", "Could not parse request body into json", 400) from None
    if invocation_type == "Event":
        effect = Invoke(caller.function.path, caller.chain, caller.now(), function, qualifier, payload, target)
        return {"StatusCode": 202, "Payload": b""}, [effect]
    if run is None:
        raise AwsError("NotEmulated", "lambda.Invoke (RequestResponse) is not emulated here", 501)
    answer = run(caller, function, qualifier, payload)
    response = {"StatusCode": 200, "ExecutedVersion": answer.version, "Payload": json.dumps(answer.payload).encode()}
    if answer.failed:
        response["FunctionError"] = "Unhandled"
    if log_type == "Tail":
        response["LogResult"] = base64.b64encode(answer.log.encode()[-LOG_TAIL_BYTES:]).decode()
    return response, []
