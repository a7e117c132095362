"""configure_async_invoke: the event invoke config and its validation."""

import pytest

from components import ConfigurationError, Function, FunctionDestination
from tests.support import FIRST_CODE, SECOND_CODE, logical_id, new_stack, only, resources, synth


def first_function(stack):
    return Function(stack, "First", code=FIRST_CODE)


def test_options_reach_the_event_invoke_config():
    # GIVEN First configured with retries, event age and an alias qualifier
    stack = new_stack()
    first_function(stack).configure_async_invoke(max_event_age=3600, retry_attempts=1, qualifier="live")
    # WHEN synthesized
    out = synth(stack)
    # THEN the config carries them, names the function by reference and has no destinations
    config = only(resources(out, "aws_lambda_function_event_invoke_config"))
    first_id = logical_id(out, "aws_lambda_function", "First")
    assert config["function_name"] == f"${{aws_lambda_function.{first_id}.function_name}}"
    assert (config["qualifier"], config["maximum_event_age_in_seconds"], config["maximum_retry_attempts"]) == ("live", 3600, 1)
    assert "destination_config" not in config


def test_zero_retries_is_kept_not_dropped():
    # GIVEN retry_attempts=0 (a meaningful value: never retry)
    stack = new_stack()
    first_function(stack).configure_async_invoke(retry_attempts=0)
    # WHEN synthesized THEN maximum_retry_attempts is 0 in the JSON, not absent
    assert only(resources(synth(stack), "aws_lambda_function_event_invoke_config"))["maximum_retry_attempts"] == 0


def test_defaults_are_latest_and_aws_defaults_for_age_and_retries():
    stack = new_stack()
    first_function(stack).configure_async_invoke()
    config = only(resources(synth(stack), "aws_lambda_function_event_invoke_config"))
    assert config["qualifier"] == "$LATEST"
    assert "maximum_event_age_in_seconds" not in config and "maximum_retry_attempts" not in config


def test_config_waits_for_the_role_policy_that_lets_it_reach_the_destination():
    # GIVEN a destination that needs a grant
    stack = new_stack()
    first = first_function(stack)
    first.configure_async_invoke(on_success=FunctionDestination(Function(stack, "Second", code=SECOND_CODE)))
    # WHEN synthesized THEN the config depends on First's role policy
    out = synth(stack)
    policy_id = logical_id(out, "aws_iam_role_policy", "First/DefaultPolicy")
    assert only(resources(out, "aws_lambda_function_event_invoke_config"))["depends_on"] == [f"aws_iam_role_policy.{policy_id}"]


@pytest.mark.parametrize("age", [60, 21600])
def test_event_age_bounds_are_accepted(age):
    stack = new_stack()
    first_function(stack).configure_async_invoke(max_event_age=age)
    assert only(resources(synth(stack), "aws_lambda_function_event_invoke_config"))["maximum_event_age_in_seconds"] == age


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_event_age": 59}, r"^max_event_age must be between 60 and 21600 seconds; got 59$"),
        ({"max_event_age": 21601}, r"^max_event_age must be between 60 and 21600 seconds; got 21601$"),
        ({"max_event_age": "1h"}, r"^max_event_age must be a whole number between 60 and 21600 seconds; got '1h'$"),
        ({"retry_attempts": -1}, r"^retry_attempts must be between 0 and 2; got -1$"),
        ({"retry_attempts": 3}, r"^retry_attempts must be between 0 and 2; got 3$"),
        ({"retry_attempts": True}, r"^retry_attempts must be a whole number between 0 and 2; got True$"),
        ({"qualifier": ""}, r"^qualifier must be '\$LATEST' or a version number or alias name .*; got ''$"),
        ({"qualifier": "prod:1"}, r"^qualifier must be .*; got 'prod:1'$"),
    ],
)
def test_out_of_range_options_are_refused_before_anything_is_added(options, message):
    # GIVEN a function
    stack = new_stack()
    first = first_function(stack)
    children_before = len(first.node.children)
    # WHEN configured with a bad value THEN the error names the field and range, and nothing was added
    with pytest.raises(ConfigurationError, match=message):
        first.configure_async_invoke(**options)
    assert len(first.node.children) == children_before


def test_a_second_configuration_of_the_same_function_is_refused():
    # GIVEN a function already configured
    stack = new_stack()
    first = first_function(stack)
    first.configure_async_invoke(retry_attempts=0)
    # WHEN configured again THEN the error says why and what to do
    with pytest.raises(ConfigurationError, match=r"configure_async_invoke was already called on function 'test/First'; .*one call"):
        first.configure_async_invoke(max_event_age=60)
