"""Per-stack singletons describing where the stack deploys (partition, region, account).

Constructs that must build ARNs AWS does not export (the default event bus) share one set of
data sources per stack instead of creating their own.
"""

from __future__ import annotations

from cdktf import TerraformStack
from constructs import Construct
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion


def _singleton(scope: Construct, id: str, factory):
    stack = TerraformStack.of(scope)
    existing = stack.node.try_find_child(id)
    return existing if existing is not None else factory(stack, id)


def default_event_bus_arn(scope: Construct) -> str:
    """ARN of the account's default EventBridge bus in the stack's region."""
    partition = _singleton(scope, "Partition", DataAwsPartition)
    region = _singleton(scope, "Region", DataAwsRegion)
    identity = _singleton(scope, "CallerIdentity", DataAwsCallerIdentity)
    return f"arn:{partition.partition}:events:{region.name}:{identity.account_id}:event-bus/default"
