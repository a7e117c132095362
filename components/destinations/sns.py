"""Publish invocation records to an SNS topic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

from components.destinations.base import DestinationKind
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function


class SnsDestination:
    def __init__(self, topic: SnsTopic) -> None:
        self.topic = topic

    def bind(self, scope: Construct, fn: "Function", kind: DestinationKind, *, qualifier: str) -> str:
        fn.add_to_role_policy(PolicyStatement(actions=("sns:Publish",), resources=(self.topic.arn,)))
        return self.topic.arn
