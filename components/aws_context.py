"""Per-stack singletons describing where the stack deploys (partition, region, account).

Constructs that must build ARNs AWS does not export (the default event bus) share one set of
data sources per stack, and one ARN string, so equal grants stay equal and are not repeated.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from constructs import Construct


class AwsContext(Construct):
    """Data sources [Partition], [Region], [CallerIdentity] at the top of the stack."""

    ID = "AwsContext"

    def __init__(self, stack: TerraformStack) -> None:
        super().__init__(stack, self.ID)
        self.partition = DataAwsPartition(stack, "Partition").partition
        self.region = DataAwsRegion(stack, "Region").name
        self.account_id = DataAwsCallerIdentity(stack, "CallerIdentity").account_id
        self.default_event_bus_arn = f"arn:{self.partition}:events:{self.region}:{self.account_id}:event-bus/default"

    @classmethod
    def of(cls, scope: Construct) -> AwsContext:
        stack = TerraformStack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        return existing if isinstance(existing, cls) else cls(stack)


def default_event_bus_arn(scope: Construct) -> str:
    """ARN of the account's default EventBridge bus in the stack's region."""
    return AwsContext.of(scope).default_event_bus_arn
