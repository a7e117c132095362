"""Answers with the event it received, as it received it.

An SQS record whose body asks to fail ("fail_attempts": n) fails its first n receives; the error's
message is then the event, so that a failed attempt's event can be read from the run too.
"""

import json


def handler(event, context):
    records = event.get("Records", []) if isinstance(event, dict) else []
    for record in (r for r in records if r.get("eventSource") == "aws:sqs"):
        body = record["body"]
        asked = json.loads(body).get("fail_attempts", 0) if isinstance(body, str) and body.startswith("{") else 0
        if int(record["attributes"]["ApproximateReceiveCount"]) <= asked:
            raise RuntimeError(json.dumps(event))
    return event
