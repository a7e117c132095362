"""A DynamoDB table for a function's state, and item-level grants on it.

Creates [Resource] ``aws_dynamodb_table``: on-demand billing, a partition key and an optional sort
key (strings), point-in-time recovery on, and a TTL attribute when given (items whose attribute holds
a past epoch second expire). ``grant_items(fn, *actions)`` lets a function use only the item
actions it names (``dynamodb:GetItem``, ``PutItem``, ``UpdateItem``, ...) on this table only.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableTtl,
)
from constructs import Construct

from components.errors import ConfigurationError
from components.iam import PolicyStatement
from components.naming import NamedConstruct, physical_name

if TYPE_CHECKING:
    from components.function import Function

ITEM_ACTIONS = frozenset(
    {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:Query",
    }
)


class Table(NamedConstruct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        partition_key: str,
        sort_key: str | None = None,
        ttl_attribute: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.table_name = physical_name(self, max_length=255, what="DynamoDB table name")
        keys = [partition_key] + ([sort_key] if sort_key else [])
        self.resource = DynamodbTable(
            self,
            "Resource",
            name=self.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=partition_key,
            range_key=sort_key,
            attribute=[DynamodbTableAttribute(name=key, type="S") for key in keys],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            ttl=DynamodbTableTtl(attribute_name=ttl_attribute, enabled=True) if ttl_attribute else None,
        )

    @functools.cached_property
    def arn(self) -> str:
        return self.resource.arn

    @functools.cached_property
    def name(self) -> str:
        """The table name as a Terraform reference, so users of it depend on the table."""
        return self.resource.name

    def grant_items(self, grantee: Function, *actions: str) -> None:
        """Allow ``grantee`` the item ``actions`` on this table only."""
        unknown = sorted(set(actions) - ITEM_ACTIONS)
        if not actions or unknown:
            raise ConfigurationError(
                f"grant_items takes item actions ({', '.join(sorted(ITEM_ACTIONS))}); got {unknown or 'none'}"
            )
        grantee.add_to_role_policy(PolicyStatement(actions=tuple(actions), resources=(self.arn,)))
