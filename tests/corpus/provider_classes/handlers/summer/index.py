"""Sums {"numbers": [...]}; anything else fails the invocation."""

import os

INVOCATIONS = 0


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    numbers = event.get("numbers") if isinstance(event, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, (int, float)) for n in numbers):
        raise ValueError("event.numbers must be a list of numbers")
    return {
        "sum": sum(numbers),
        "version": context.function_version,
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "warm_invocations": INVOCATIONS,
    }
