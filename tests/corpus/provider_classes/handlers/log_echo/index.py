"""Prints the event it received as JSON and answers with it (LocalStack's functions/lambda_echo.py)."""

import json


def handler(event, context):
    print(json.dumps(event))
    return event
