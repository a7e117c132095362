"""configure_async_invoke: the event invoke config and its validation."""

import pytest

from components import ConfigurationError, Function, FunctionDestination
from tests.support import FIRST_CODE, SECOND_CODE, logical_id, new_stack, only, resources, synth


def first_function(stack):
    return Function(stack, "First", code=FIRST_CODE)


def test_options_reach_the_event_invoke_config():
    # GIVEN First configured with retries and event age
    stack = new_stack()
    first_function(stack).configure_async_invoke(max_event_age=3600, retry_attempts=1)
    # WHEN synthesized
    out = synth(stack)
    # THEN the config carries them, names the function by reference and has no destinations
    config = only(resources(out, "aws_lambda_function_event_invoke_config"))
    first_id = logical_id(out, "aws_lambda_function", "First")
    assert config["function_name"] == f"${{aws_lambda_function.{first_id}.function_name}}"
    assert (config["qualifier"], config["maximum_event_age_in_seconds"], config["maximum_retry_attempts"]) == (
        "$LATEST",
        3600,
        1,
    )
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
    assert only(resources(out, "aws_lambda_function_event_invoke_config"))["depends_on"] == [
        f"aws_iam_role_policy.{policy_id}"
    ]


@pytest.mark.parametrize("age", [60, 21600])
def test_event_age_bounds_are_accepted(age):
    stack = new_stack()
    first_function(stack).configure_async_invoke(max_event_age=age)
    assert (
        only(resources(synth(stack), "aws_lambda_function_event_invoke_config"))["maximum_event_age_in_seconds"] == age
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_event_age": 59}, r"^max_event_age must be between 60 and 21600 seconds; got 59$"),
        ({"max_event_age": 21601}, r"^max_event_age must be between 60 and 21600 seconds; got 21601$"),
        ({"max_event_age": "1h"}, r"^max_event_age must be a whole number between 60 and 21600 seconds; got '1h'$"),
        ({"retry_attempts": -1}, r"^retry_attempts must be between 0 and 2; got -1$"),
        ({"retry_attempts": 3}, r"^retry_attempts must be between 0 and 2; got 3$"),
        ({"retry_attempts": True}, r"^retry_attempts must be a whole number between 0 and 2; got True$"),
        (
            {"on_success": "arn:aws:sqs:us-east-1:123456789012:orders"},
            r"^on_success must be a destination \(FunctionDestination, SqsDestination, SnsDestination, EventBridgeDestination "
            r"or S3Destination\); got str 'arn:aws:sqs:us-east-1:123456789012:orders'; for an existing resource pass "
            r"SqsDestination\('arn:aws:sqs:us-east-1:123456789012:orders'\)$",
        ),
        ({"on_failure": object}, r"^on_failure must be a destination \(.*\); got type <class 'object'>$"),
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
    with pytest.raises(
        ConfigurationError, match=r"configure_async_invoke was already called on function 'test/First'; .*one call"
    ):
        first.configure_async_invoke(max_event_age=60)


def test_a_free_qualifier_string_is_not_accepted():
    # A qualifier must name a version or alias the stack creates: only an Alias configures one.
    with pytest.raises(TypeError, match="unexpected keyword argument 'qualifier'"):
        first_function(new_stack()).configure_async_invoke(qualifier="prod")


# --- loops ---------------------------------------------------------------------------------------------

LOOP_ADVICE = (
    "Every result would start the chain again (AWS stops it after about 16 invocations, or never with "
    "recursive_loop Allow); for bounded self-invocation use SelfInvokingFunction"
)


def test_a_function_that_is_its_own_destination_is_refused_before_anything_is_added():
    stack = new_stack()
    first = first_function(stack)
    children = len(first.node.children)
    with pytest.raises(ConfigurationError) as caught:
        first.configure_async_invoke(on_success=FunctionDestination(first))
    assert str(caught.value) == f"on_success would make a loop: First --on_success--> First. {LOOP_ADVICE}"
    assert len(first.node.children) == children


@pytest.mark.parametrize("response_only", [False, True])
def test_a_loop_through_another_function_is_refused_when_it_closes(response_only):
    # GIVEN First's results go to Second
    stack = new_stack()
    first, second = first_function(stack), Function(stack, "Second", code=SECOND_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(second, response_only=response_only))
    # WHEN Second's failures would go back to First THEN that configuration is refused, naming the cycle
    with pytest.raises(ConfigurationError) as caught:
        second.configure_async_invoke(on_failure=FunctionDestination(first, response_only=response_only))
    assert (
        str(caught.value)
        == f"on_failure would make a loop: Second --on_failure--> First --on_success--> Second. {LOOP_ADVICE}"
    )


def test_a_chain_without_a_cycle_is_accepted():
    stack = new_stack()
    first, second, third = (Function(stack, name, code=FIRST_CODE) for name in ("First", "Second", "Third"))
    first.configure_async_invoke(on_success=FunctionDestination(second))
    second.configure_async_invoke(on_success=FunctionDestination(third), on_failure=FunctionDestination(third))
    assert len(resources(synth(stack), "aws_lambda_function_event_invoke_config")) == 2


def test_results_of_an_alias_going_to_a_function_that_calls_latest_are_no_loop():
    # GIVEN First:live → Second, and Second → First (unqualified: First's $LATEST, which sends nothing on)
    stack = new_stack()
    first, second = Function(stack, "First", code=FIRST_CODE, publish=True), Function(stack, "Second", code=SECOND_CODE)
    first.add_alias("live").configure_async_invoke(on_success=FunctionDestination(second))
    second.configure_async_invoke(on_success=FunctionDestination(first))
    # THEN both are accepted: no result comes back to First:live
    assert len(resources(synth(stack), "aws_lambda_function_event_invoke_config")) == 2
