"""Invokes a function synchronously with boto3, as the event says, and answers with Lambda's response
as botocore parsed it: StatusCode, FunctionError, ExecutedVersion, the Payload's text, the HTTP
status; or, when Lambda refuses, the error response (without its headers).

{"Target": <the environment variable naming the function>, "Payload": <JSON value>, "LogType": "Tail" (optional)}
"""

import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# One attempt: a throttled invoke is what the caller wants to see, not something to retry.
LAMBDA = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))


def handler(event, context):
    try:
        options = {"LogType": event["LogType"]} if "LogType" in event else {}
        response = LAMBDA.invoke(
            FunctionName=os.environ[event["Target"]], Payload=json.dumps(event["Payload"]), **options
        )
    except ClientError as error:
        response = error.response
        answer = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    else:
        kept = ("StatusCode", "FunctionError", "ExecutedVersion", "LogResult")
        answer = {k: v for k, v in response.items() if k in kept}
        answer["Payload"] = response["Payload"].read().decode()
    answer["ResponseMetadata"] = {"HTTPStatusCode": response["ResponseMetadata"]["HTTPStatusCode"]}
    return answer
