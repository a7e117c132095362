"""Lambda's ``Invoke`` as a handler calls it: its role must allow it, the payload must fit.

AWS's Invoke API reference: ``InvocationType`` ``Event`` queues the event and answers 202 with an
empty payload; ``DryRun`` checks the caller's permission and runs nothing (204); an asynchronous
payload over 1,048,576 bytes is refused (``RequestTooLargeException``, 413). ``RequestResponse``
between functions is not emulated: the engine runs asynchronous wiring.
"""

from __future__ import annotations

import json
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.limits import MAX_ASYNC_PAYLOAD_BYTES
from local_runtime.model.records import StackModel
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import Invoke


def too_large(size: int) -> str:
    """Lambda's RequestTooLargeException for an asynchronous payload of ``size`` bytes (Invoke API reference)."""
    return (
        f"The request payload exceeded the Invoke request body JSON input quota: {size} bytes, "
        f"over {MAX_ASYNC_PAYLOAD_BYTES} for an asynchronous invocation"
    )


def payload_bytes(payload: Any) -> bytes:
    """An Invoke ``Payload`` (bytes, str, or a file-like object) as bytes."""
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, str):
        payload = payload.encode()
    return bytes(payload or b"")


def invoke(model: StackModel, caller: Caller, params: dict[str, Any]) -> tuple[dict[str, Any], list[Invoke]]:
    """The response to ``Invoke`` (``StatusCode``, ``Payload`` bytes), or AwsError as AWS answers."""
    name = str(params.get("FunctionName", ""))
    function, named_qualifier = model.function_at(name)
    qualifier = params.get("Qualifier") or named_qualifier
    if function is None:
        raise AwsError("ResourceNotFoundException", f"Function not found: {name}", 404)
    target = f"{function.arn}:{qualifier}" if qualifier else function.arn
    require(model, caller, "lambda:InvokeFunction", target, "AccessDeniedException")
    invocation_type = params.get("InvocationType", "RequestResponse")
    if invocation_type == "DryRun":
        return {"StatusCode": 204, "Payload": b""}, []
    if invocation_type != "Event":
        raise AwsError(
            "InvalidParameterValueException",
            "the local engine runs InvocationType='Event' (and DryRun); a synchronous "
            "RequestResponse call between functions is not emulated",
            400,
        )
    raw = payload_bytes(params.get("Payload"))
    if len(raw) > MAX_ASYNC_PAYLOAD_BYTES:
        raise AwsError("RequestTooLargeException", too_large(len(raw)), 413)
    try:
        payload = json.loads(raw.decode() or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AwsError("InvalidRequestContentException", "Could not parse request body into json", 400) from None
    effect = Invoke(caller.function.path, caller.chain, caller.now(), function, qualifier, payload, target)
    return {"StatusCode": 202, "Payload": b""}, [effect]
