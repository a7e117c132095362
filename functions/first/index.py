"""First: a small piece of work whose result Lambda hands to the configured destination.

Event: ``{"numbers": [1, 2, 3]}`` (a list of up to 10,000 numbers).
Returns ``{"count", "sum", "mean", "min", "max"}``; a bad event raises ``ValueError`` with the reason,
which makes the invocation fail (and go to the on-failure destination, if any).
"""

import json
import logging
import math

logger = logging.getLogger()
logger.setLevel(logging.INFO)

MAX_NUMBERS = 10_000


def summarize(numbers):
    if not isinstance(numbers, list) or not numbers:
        raise ValueError("event.numbers must be a non-empty list of numbers")
    if len(numbers) > MAX_NUMBERS:
        raise ValueError(f"event.numbers may hold at most {MAX_NUMBERS} numbers; got {len(numbers)}")
    for index, value in enumerate(numbers):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"event.numbers[{index}] must be a finite number; got {value!r}")
    total = sum(numbers)
    return {
        "count": len(numbers),
        "sum": total,
        "mean": total / len(numbers),
        "min": min(numbers),
        "max": max(numbers),
    }


def handler(event, context):
    if not isinstance(event, dict):
        raise ValueError(f"event must be a JSON object with a 'numbers' list; got {type(event).__name__}")
    result = summarize(event.get("numbers"))
    logger.info(json.dumps({"message": "summarized", "request_id": context.aws_request_id, **result}))
    return result
