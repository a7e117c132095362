"""Table: on-demand DynamoDB with recovery and TTL, and item grants on that table only."""

import pytest

from components import ConfigurationError, Function
from components.table import Table
from tests.support import FIRST_CODE, logical_id, new_stack, only, resources, role_policy_statements, synth


def test_the_table_is_on_demand_with_point_in_time_recovery_and_ttl():
    stack = new_stack()
    Table(stack, "Jobs", partition_key="job_id", sort_key="item", ttl_attribute="expires_at")
    assert only(resources(synth(stack), "aws_dynamodb_table")) == {
        "name": "test-Jobs",
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": "job_id",
        "range_key": "item",
        "attribute": [{"name": "job_id", "type": "S"}, {"name": "item", "type": "S"}],
        "point_in_time_recovery": {"enabled": True},
        "ttl": {"attribute_name": "expires_at", "enabled": True},
    }


def test_grant_items_allows_only_the_named_item_actions_on_that_table():
    stack = new_stack()
    table = Table(stack, "Jobs", partition_key="job_id")
    function = Function(stack, "Job", code=FIRST_CODE)
    table.grant_items(function, "dynamodb:GetItem", "dynamodb:PutItem")
    out = synth(stack)
    table_arn = f"${{aws_dynamodb_table.{logical_id(out, 'aws_dynamodb_table', 'Jobs')}.arn}}"
    assert role_policy_statements(out, "Job")[1:] == [
        {"actions": ["dynamodb:GetItem", "dynamodb:PutItem"], "effect": "Allow", "resources": [table_arn]}
    ]


@pytest.mark.parametrize("actions", [(), ("dynamodb:*",), ("dynamodb:DeleteTable",)])
def test_anything_but_item_actions_is_refused(actions):
    stack = new_stack()
    table = Table(stack, "Jobs", partition_key="job_id")
    with pytest.raises(ConfigurationError, match=r"grant_items takes item actions \(dynamodb:BatchGetItem, .*\); got"):
        table.grant_items(Function(stack, "Job", code=FIRST_CODE), *actions)
