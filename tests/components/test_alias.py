"""Alias: published versions, aliases, their own async configuration and grants."""

import re

import pytest

from components import ConfigurationError, Function, FunctionDestination
from tests.support import FIRST_CODE, SECOND_CODE, logical_id, new_stack, only, resources, role_policy_statements, synth


def published_pair(stack):
    return Function(stack, "First", code=FIRST_CODE, publish=True), Function(
        stack, "Second", code=SECOND_CODE, publish=True
    )


def test_an_alias_points_at_the_latest_published_version():
    # GIVEN a function that publishes versions, with an alias "live"
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE, publish=True)
    alias = first.add_alias("live", description="what clients call")
    out = synth(stack)
    # THEN the function publishes and the alias names its latest version
    first_id = logical_id(out, "aws_lambda_function", "First")
    assert only(resources(out, "aws_lambda_function"))["publish"] is True
    assert only(resources(out, "aws_lambda_alias")) == {
        "name": "live",
        "description": "what clients call",
        "function_name": f"${{aws_lambda_function.{first_id}.function_name}}",
        "function_version": f"${{aws_lambda_function.{first_id}.version}}",
    }
    assert alias.alias_name == "live"


def test_an_alias_without_published_versions_is_refused_unless_it_names_latest():
    stack = new_stack()
    first = Function(stack, "First", code=FIRST_CODE)
    with pytest.raises(
        ConfigurationError,
        match=re.escape(
            "add_alias('live') on function 'test/First' needs a published version: create the function with "
            "publish=True, or pass version='$LATEST' to alias the unpublished code"
        ),
    ):
        first.add_alias("live")
    first.add_alias("dev", version="$LATEST")
    assert only(resources(synth(stack), "aws_lambda_alias"))["function_version"] == "$LATEST"


@pytest.mark.parametrize("name", ["12", "$LATEST", "a:b", ""])
def test_an_alias_name_aws_would_refuse_is_refused(name):
    with pytest.raises(
        ConfigurationError, match="alias name must be 1–128 letters, digits, '-' or '_', and not only digits"
    ):
        Function(new_stack(), "First", code=FIRST_CODE, publish=True).add_alias(name)


def test_a_second_alias_of_the_same_name_is_refused():
    first = Function(new_stack(), "First", code=FIRST_CODE, publish=True)
    first.add_alias("live")
    with pytest.raises(ConfigurationError, match="function 'test/First' already has an alias 'live'"):
        first.add_alias("live")


def test_an_alias_has_its_own_async_configuration_on_its_name():
    # GIVEN First's alias "live" configured with 1 retry
    stack = new_stack()
    first, second = published_pair(stack)
    first.add_alias("live").configure_async_invoke(on_success=FunctionDestination(second), retry_attempts=1)
    out = synth(stack)
    # THEN the config's qualifier is the alias, and it waits for the alias as well as the role policy
    config = only(resources(out, "aws_lambda_function_event_invoke_config"))
    alias_id = logical_id(out, "aws_lambda_alias", "First/Alias-live")
    policy_id = logical_id(out, "aws_iam_role_policy", "First/DefaultPolicy")
    assert (config["qualifier"], config["maximum_retry_attempts"]) == ("live", 1)
    assert config["depends_on"] == [f"aws_iam_role_policy.{policy_id}", f"aws_lambda_alias.{alias_id}"]


def test_an_alias_is_configured_once():
    alias = Function(new_stack(), "First", code=FIRST_CODE, publish=True).add_alias("live")
    alias.configure_async_invoke(retry_attempts=0)
    with pytest.raises(
        ConfigurationError, match=r"configure_async_invoke was already called on alias 'test/First/Alias-live'"
    ):
        alias.configure_async_invoke(retry_attempts=1)


def test_a_function_destination_on_an_alias_grants_invoke_on_the_alias_arn_only():
    stack = new_stack()
    first, second = published_pair(stack)
    first.configure_async_invoke(on_success=FunctionDestination(second.add_alias("live")))
    out = synth(stack)
    alias_arn = f"${{aws_lambda_alias.{logical_id(out, 'aws_lambda_alias', 'Second/Alias-live')}.arn}}"
    assert (
        only(resources(out, "aws_lambda_function_event_invoke_config"))["destination_config"]["on_success"][
            "destination"
        ]
        == alias_arn
    )
    assert role_policy_statements(out, "First")[1:] == [
        {"actions": ["lambda:InvokeFunction"], "effect": "Allow", "resources": [alias_arn]}
    ]


def test_a_response_only_destination_on_an_alias_targets_it_and_permits_it():
    stack = new_stack()
    first, second = published_pair(stack)
    first.configure_async_invoke(on_success=FunctionDestination(second.add_alias("live"), response_only=True))
    out = synth(stack)
    alias_arn = f"${{aws_lambda_alias.{logical_id(out, 'aws_lambda_alias', 'Second/Alias-live')}.arn}}"
    second_id = logical_id(out, "aws_lambda_function", "Second")
    assert only(resources(out, "aws_cloudwatch_event_target"))["arn"] == alias_arn
    permission = only(resources(out, "aws_lambda_permission"))
    assert (permission["function_name"], permission["qualifier"]) == (
        f"${{aws_lambda_function.{second_id}.function_name}}",
        "live",
    )
