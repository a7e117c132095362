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

from components.arns import SQS_QUEUE, is_reference, require_arn
from components.destinations.base import Destination, DestinationKind, grant_key_use
from components.errors import ConfigurationError
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function

SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
PARAMETER = "SqsDestination(queue)"


class SqsDestination(Destination):
    def __init__(self, queue: SqsQueue | str) -> None:
        """``queue``: an ``SqsQueue`` of this stack, or the ARN of an existing queue (literal or reference)."""
        if isinstance(queue, SqsQueue):
            fifo, name = queue.fifo_queue_input, queue.name_input
            if fifo is True or (isinstance(name, str) and not is_reference(name) and name.endswith(".fifo")):
                raise ConfigurationError(
                    f"{PARAMETER}: queue {queue.node.path!r} is a FIFO queue; Lambda delivers records only to "
                    "standard queues: use a queue without fifo_queue"
                )
            self.queue_arn = queue.arn
            self._queue: SqsQueue | None = queue
        else:
            self.queue_arn = require_arn(queue, SQS_QUEUE, PARAMETER)
            if not is_reference(self.queue_arn) and self.queue_arn.endswith(".fifo"):
                raise ConfigurationError(
                    f"{PARAMETER}: {queue!r} is a FIFO queue; Lambda delivers records only to standard queues"
                )
            self._queue = None

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        fn.add_to_role_policy(PolicyStatement(actions=SEND_ACTIONS, resources=(self.queue_arn,)))
        if self._queue is not None:
            grant_key_use(
                scope,
                fn,
                self._queue.kms_master_key_id_input,
                f"queue {self._queue.node.path!r}",
                aws_managed_alias="alias/aws/sqs",
            )
        return self.queue_arn
