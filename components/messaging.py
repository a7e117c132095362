"""SQS queues and SNS topics handed to components: one of the stack, or an existing one by ARN.

``QueueRef.of`` and ``TopicRef.of`` resolve what a destination, a dead-letter target or an event
source was given: its ARN (a literal ARN checked at synth, ``components.arns``), the construct when
the stack has it (so its settings can be checked), and whether it is FIFO. ``grant`` is the one way
these components allow a role to use a queue or topic: one statement with the actions asked for on
its ARN, and, when the stack encrypts it with a customer-managed KMS key, one with the key actions on
that key. An existing queue or topic given by ARN gets no KMS grant: its ARN does not say how it
is encrypted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components.arns import SNS_TOPIC, SQS_QUEUE, customer_key_arn, is_reference, require_arn
from components.iam import PolicyStatement

# Where a grant goes: ``Function.add_to_role_policy``, or a list collecting statements for a policy of their own.
Grantee = Callable[[PolicyStatement], None]

# Publishing on a topic: an SNS destination's and an SNS dead-letter target's one action.
PUBLISH_ACTIONS = ("sns:Publish",)
# What sending to (or publishing on) a queue or topic encrypted with a customer-managed key takes.
KMS_SEND_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# What receiving from such a queue takes.
KMS_RECEIVE_ACTIONS = ("kms:Decrypt",)


def _fifo_name(name: object) -> bool:
    return isinstance(name, str) and not is_reference(name) and name.endswith(".fifo")


@dataclass(frozen=True)
class _Ref:
    arn: str
    construct: SqsQueue | SnsTopic | None
    kind: str  # "queue" or "topic"
    aws_managed_alias: str

    @property
    def label(self) -> str:
        """``queue 'stack/Work'`` for one of the stack, the quoted ARN for an existing one."""
        return f"{self.kind} {self.construct.node.path!r}" if self.construct is not None else repr(self.arn)

    def grant(self, scope: Construct, add: Grantee, actions: tuple[str, ...], *, key_actions: tuple[str, ...]) -> None:
        """``add`` ``actions`` on this ARN, and ``key_actions`` on its customer-managed key, if any."""
        add(PolicyStatement(actions=actions, resources=(self.arn,)))
        if self.construct is None:
            return
        key = self.construct.kms_master_key_id_input
        key_arn = customer_key_arn(
            scope, key, self.label, aws_managed_alias=self.aws_managed_alias, actions=key_actions
        )
        if key_arn is not None:
            add(PolicyStatement(actions=key_actions, resources=(key_arn,)))


@dataclass(frozen=True)
class QueueRef(_Ref):
    @classmethod
    def of(cls, queue: SqsQueue | str, parameter: str) -> QueueRef:
        """An ``SqsQueue`` of the stack or an existing queue's ARN (literal or reference), as ``parameter`` got it."""
        if isinstance(queue, SqsQueue):
            return cls(queue.arn, queue, "queue", "alias/aws/sqs")
        return cls(require_arn(queue, SQS_QUEUE, parameter), None, "queue", "alias/aws/sqs")

    @property
    def fifo(self) -> bool:
        """Whether it is a FIFO queue (False when a reference leaves it unknown until deploy)."""
        if isinstance(self.construct, SqsQueue):
            return self.construct.fifo_queue_input is True or _fifo_name(self.construct.name_input)
        return _fifo_name(self.arn)


@dataclass(frozen=True)
class TopicRef(_Ref):
    @classmethod
    def of(cls, topic: SnsTopic | str, parameter: str) -> TopicRef:
        """An ``SnsTopic`` of the stack or an existing topic's ARN (literal or reference), as ``parameter`` got it."""
        if isinstance(topic, SnsTopic):
            return cls(topic.arn, topic, "topic", "alias/aws/sns")
        return cls(require_arn(topic, SNS_TOPIC, parameter), None, "topic", "alias/aws/sns")

    @property
    def fifo(self) -> bool:
        """Whether it is a FIFO topic (False when a reference leaves it unknown until deploy)."""
        if isinstance(self.construct, SnsTopic):
            return self.construct.fifo_topic_input is True or _fifo_name(self.construct.name_input)
        return _fifo_name(self.arn)
