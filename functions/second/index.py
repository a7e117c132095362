"""Second: logs what it receives from First's destination, in one structured JSON line.

Two shapes arrive: Lambda's full invocation record (function destination) or the bare response
payload (response-only destination through EventBridge). Anything else is logged as rejected and
answered with ``{"accepted": false, "reason": ...}``; the handler never crashes on a bad event.
"""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

RECORD_FIELDS = ("version", "timestamp", "requestContext", "requestPayload", "responseContext")
CONTEXT_FIELDS = ("requestId", "functionArn", "condition", "approximateInvokeCount")


def classify(event):
    """Return ``(shape, summary)``; raise ValueError naming what is wrong."""
    if not isinstance(event, dict):
        raise ValueError(f"event must be a JSON object; got {type(event).__name__}")
    if "requestContext" in event and "responseContext" in event:
        missing = [field for field in RECORD_FIELDS if field not in event]
        request_context = event["requestContext"]
        if not isinstance(request_context, dict):
            raise ValueError("invocation record field requestContext must be an object")
        missing += [f"requestContext.{field}" for field in CONTEXT_FIELDS if field not in request_context]
        if missing:
            raise ValueError(f"invocation record is missing {', '.join(missing)}")
        return "invocation-record", {
            "source_function": request_context["functionArn"],
            "condition": request_context["condition"],
            "attempts": request_context["approximateInvokeCount"],
            "function_error": event["responseContext"].get("functionError"),
            "response_payload": event.get("responsePayload"),
        }
    return "response-payload", {"response_payload": event}


def handler(event, context):
    try:
        shape, summary = classify(event)
    except ValueError as error:
        logger.error(
            json.dumps({"message": "rejected event", "reason": str(error), "request_id": context.aws_request_id})
        )
        return {"accepted": False, "reason": str(error)}
    logger.info(json.dumps({"message": "received", "shape": shape, "request_id": context.aws_request_id, **summary}))
    return {"accepted": True, "shape": shape}
