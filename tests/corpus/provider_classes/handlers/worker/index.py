"""Does what the event asks ("mode"): ok, fail, big (a result of "size" bytes); consumes SQS batches too.

An SQS batch (an event source mapping) is read record by record, each body being an invocation
record (from a destination) or any JSON, whose "consume" says what to do with it: "fail" fails the
whole invocation, "partial" items are reported back as batch item failures, "malformed" ones as a
failure without an item identifier. S3 notifications are
not its business: they fail.
"""

import json


def handler(event, context):
    if isinstance(event, dict) and "Records" in event:
        return consume(event["Records"])
    mode = event.get("mode", "ok") if isinstance(event, dict) else "ok"
    if mode == "fail":
        raise RuntimeError("asked to fail")
    if mode == "big":
        return {"blob": "x" * int(event["size"])}
    return {"ok": True, "n": event.get("n") if isinstance(event, dict) else None}


def consume(records):
    failures = []
    for record in records:
        if record.get("eventSource") == "aws:s3":
            raise RuntimeError(f"cannot read s3://{record['s3']['bucket']['name']}/{record['s3']['object']['key']}")
        body = json.loads(record.get("body", "{}"))
        payload = body.get("requestPayload", body) if isinstance(body, dict) else {}
        consume = payload.get("consume", "ok") if isinstance(payload, dict) else "ok"
        if consume == "fail":
            raise RuntimeError(f"message {record['messageId']} asked the batch to fail")
        if consume == "partial":
            failures.append({"itemIdentifier": record["messageId"]})
        if consume == "malformed":
            failures.append({"foo": "notvalid"})  # no itemIdentifier: as LocalStack's recorded test sends
    received = [[r["messageId"], r["attributes"]["ApproximateReceiveCount"]] for r in records]
    return {"batchItemFailures": failures, "received": received, "source": records[0]["eventSourceARN"]}
