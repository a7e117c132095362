"""Publish invocation records to an SNS topic: one of this stack, or an existing one by ARN.

Grants ``sns:Publish`` on the topic, and ``kms:GenerateDataKey``/``kms:Decrypt`` on its key when it
is encrypted with a customer-managed KMS key (the AWS-managed ``alias/aws/sns`` needs nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from constructs import Construct

from components.destinations.base import Destination, DestinationKind
from components.messaging import KMS_SEND_ACTIONS, PUBLISH_ACTIONS, TopicRef

if TYPE_CHECKING:
    from components.function import Function


class SnsDestination(Destination):
    def __init__(self, topic: SnsTopic | str) -> None:
        """``topic``: an ``SnsTopic`` of this stack, or the ARN of an existing topic (literal or reference)."""
        self._topic = TopicRef.of(topic, "SnsDestination(topic)")
        self.topic_arn = self._topic.arn

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        self._topic.grant(scope, fn.add_to_role_policy, PUBLISH_ACTIONS, key_actions=KMS_SEND_ACTIONS)
        return self.topic_arn
