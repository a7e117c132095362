"""Answers with what reached it: an invocation record's condition and payloads, or the bare event."""


def handler(event, context):
    context_of = event.get("requestContext", {}) if isinstance(event, dict) else {}
    return {
        "version": context.function_version,
        "condition": context_of.get("condition"),
        "request_payload": event.get("requestPayload") if context_of else event,
        "response_payload": event.get("responsePayload") if context_of else None,
    }
