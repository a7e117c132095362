"""Publish invocation records to an SNS topic: one of this stack, or an existing one by ARN.

Grants ``sns:Publish`` on the topic, and ``kms:GenerateDataKey``/``kms:Decrypt`` on its key when it
is encrypted with a customer-managed KMS key (the AWS-managed ``alias/aws/sns`` needs nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from constructs import Construct

from components.arns import SNS_TOPIC, require_arn
from components.destinations.base import Destination, DestinationKind, grant_key_use
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function


class SnsDestination(Destination):
    def __init__(self, topic: SnsTopic | str) -> None:
        """``topic``: an ``SnsTopic`` of this stack, or the ARN of an existing topic (literal or reference)."""
        if isinstance(topic, SnsTopic):
            self.topic_arn = topic.arn
            self._topic: SnsTopic | None = topic
        else:
            self.topic_arn = require_arn(topic, SNS_TOPIC, "SnsDestination(topic)")
            self._topic = None

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        fn.add_to_role_policy(PolicyStatement(actions=("sns:Publish",), resources=(self.topic_arn,)))
        if self._topic is not None:
            grant_key_use(
                scope,
                fn,
                self._topic.kms_master_key_id_input,
                f"topic {self._topic.node.path!r}",
                aws_managed_alias="alias/aws/sns",
            )
        return self.topic_arn
