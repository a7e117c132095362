"""Send invocation records to an SQS queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

from components.destinations.base import DestinationKind
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function

# What Lambda's destination delivery calls on the queue. SQS-managed encryption (SSE-SQS) needs no
# KMS permission; a queue encrypted with a customer key would also need kms:GenerateDataKey/Decrypt.
SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")


class SqsDestination:
    def __init__(self, queue: SqsQueue) -> None:
        self.queue = queue

    def bind(self, scope: Construct, fn: "Function", kind: DestinationKind, *, qualifier: str) -> str:
        fn.add_to_role_policy(PolicyStatement(actions=SEND_ACTIONS, resources=(self.queue.arn,)))
        return self.queue.arn
