"""Consumer: reads First's success records from the Work queue, a batch at a time.

Each SQS message body is the invocation record Lambda sent on First's success. The handler logs
First's result per message and answers a partial batch response (``batchItemFailures``): only the
messages it could not process are received again, and after the queue's ``maxReceiveCount``
receives its redrive policy moves them to the dead-letter queue. A message fails when its body is
not the record of a successful invocation, or when First's event asked for it with
``"poison": true`` (a message that can never succeed, to watch the redrive work).
"""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def consume(body):
    """First's result in the record ``body`` (a JSON string); ValueError naming what is wrong."""
    try:
        record = json.loads(body)
    except (TypeError, ValueError):
        raise ValueError("body is not JSON") from None
    request_context = record.get("requestContext") if isinstance(record, dict) else None
    if not isinstance(request_context, dict) or request_context.get("condition") != "Success":
        raise ValueError("body is not the record of a successful invocation")
    request = record.get("requestPayload")
    if isinstance(request, dict) and request.get("poison") is True:
        raise ValueError("the request is marked poison")
    return record.get("responsePayload")


def handler(event, context):
    failures = []
    for message in event.get("Records", []):
        message_id = message["messageId"]
        try:
            result = consume(message.get("body"))
        except ValueError as error:
            logger.warning(json.dumps({"message": "not consumed", "message_id": message_id, "reason": str(error)}))
            failures.append({"itemIdentifier": message_id})
        else:
            logger.info(json.dumps({"message": "consumed", "message_id": message_id, "result": result}))
    return {"batchItemFailures": failures}
