"""AWS-managed policies that Lambda functions' roles commonly attach, as AWS publishes them.

A stack names these by ARN (``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``);
their documents are not in the file, so the reader takes them from here (AWS's "AWS managed
policy reference"; a test compares each with the copy moto ships). An AWS-managed ARN not listed
here is reported by the reader and allows nothing in the local runtime.
"""

from __future__ import annotations

from typing import Any

_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

# name -> (path, statements)
DOCUMENTS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "AWSLambdaBasicExecutionRole": ("/service-role/", [{"Action": _LOGS, "Effect": "Allow", "Resource": "*"}]),
    "AWSLambdaSQSQueueExecutionRole": (
        "/service-role/",
        [
            {
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *_LOGS],
                "Effect": "Allow",
                "Resource": "*",
            }
        ],
    ),
    "AWSLambdaDynamoDBExecutionRole": (
        "/service-role/",
        [
            {
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                    *_LOGS,
                ],
                "Effect": "Allow",
                "Resource": "*",
            }
        ],
    ),
    "AWSLambdaRole": ("/service-role/", [{"Action": ["lambda:InvokeFunction"], "Effect": "Allow", "Resource": ["*"]}]),
    "AWSXRayDaemonWriteAccess": (
        "/",
        [
            {
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:GetSamplingStatisticSummaries",
                ],
                "Effect": "Allow",
                "Resource": ["*"],
                "Sid": "AWSXRayDaemonWriteAccess",
            }
        ],
    ),
    "AWSLambdaVPCAccessExecutionRole": (
        "/service-role/",
        [
            {
                "Action": [
                    *_LOGS,
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Effect": "Allow",
                "Resource": "*",
                "Sid": "AWSLambdaVPCAccessExecutionPermissions",
            }
        ],
    ),
}


def aws_managed(arn: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(name, statements) of the AWS-managed policy with this ARN, if it is one listed here."""
    prefix, _, rest = arn.partition(":iam::aws:policy")
    if not prefix.startswith("arn:") or not rest:
        return None
    name = rest.rsplit("/", 1)[-1]
    entry = DOCUMENTS.get(name)
    if entry is None or rest != f"{entry[0]}{name}":
        return None
    return name, entry[1]


def is_aws_managed(arn: str) -> bool:
    return ":iam::aws:policy/" in arn
