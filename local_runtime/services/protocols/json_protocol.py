"""The JSON protocol (SQS, EventBridge, DynamoDB): ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``
and the parameters as a JSON body; the response a JSON body; an error its status, ``x-amzn-ErrorType``
and ``{"__type", "message"}``."""

from __future__ import annotations

import json
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.services.protocols import Request, Response
from local_runtime.services.protocols.shapes import json_body


def parse(model: Any, request: Request) -> tuple[str, dict[str, Any]]:
    target = request.headers.get("x-amz-target", "")
    if "." not in target:
        raise AwsError("UnknownOperationException", f"no X-Amz-Target names an operation of {model.service_name}", 400)
    try:
        params = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        raise AwsError("SerializationException", "the request body is not JSON", 400) from None
    return target.rsplit(".", 1)[1], params


def content_type(model: Any) -> str:
    return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"


def serialize(model: Any, operation: str, response: dict[str, Any]) -> Response:
    return 200, {"content-type": content_type(model)}, json_body(response)


def error(model: Any, failure: AwsError) -> Response:
    body = json_body({"__type": failure.code, "message": failure.message, "Message": failure.message, **failure.fields})
    return failure.status, {"content-type": content_type(model), "x-amzn-errortype": failure.code}, body
