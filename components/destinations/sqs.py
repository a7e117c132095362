"""Send invocation records to an SQS queue: one of this stack, or an existing one by ARN.

Grants ``sqs:SendMessage``, ``sqs:GetQueueAttributes`` and ``sqs:GetQueueUrl`` on the queue, and
``kms:GenerateDataKey``/``kms:Decrypt`` on its key when it is encrypted with a customer-managed KMS
key (SQS-managed encryption, or the AWS-managed ``alias/aws/sqs``, needs nothing). Lambda delivers
to standard queues only: a FIFO queue is refused at synth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components.destinations.base import Destination, DestinationKind
from components.errors import ConfigurationError
from components.messaging import KMS_SEND_ACTIONS, QueueRef

if TYPE_CHECKING:
    from components.function import Function

SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
PARAMETER = "SqsDestination(queue)"


class SqsDestination(Destination):
    def __init__(self, queue: SqsQueue | str) -> None:
        """``queue``: an ``SqsQueue`` of this stack, or the ARN of an existing queue (literal or reference)."""
        self._queue = QueueRef.of(queue, PARAMETER)
        if self._queue.fifo:
            hint = ": use a queue without fifo_queue" if self._queue.construct is not None else ""
            raise ConfigurationError(
                f"{PARAMETER}: {self._queue.label} is a FIFO queue; Lambda delivers records only to standard "
                f"queues{hint}"
            )
        self.queue_arn = self._queue.arn

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        self._queue.grant(scope, fn.add_to_role_policy, SEND_ACTIONS, key_actions=KMS_SEND_ACTIONS)
        return self.queue_arn
