"""The jsii bindings' argument checks stay checks: wrong types refused, hints the same, only cheaper."""

# typing.Optional and typing.Union, as the generated bindings spell them.
# ruff: noqa: UP007, UP045

import typing

import pytest
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction

from components import jsii_checks
from tests.support import new_stack, only, resources, synth

# The module's own namespace (its public copy in sys.modules leaves private names out).
STUBS = [
    value
    for name, value in LambdaFunction.__init__.__globals__.items()
    if name.startswith(jsii_checks.STUB_PREFIX) and callable(value)
]


def test_a_wrong_argument_type_is_still_refused_with_typeguards_message():
    # GIVEN a stack
    stack = new_stack()
    # WHEN a provider resource gets a string where the schema takes a number
    # THEN typeguard refuses it, naming the argument and the types
    with pytest.raises(TypeError, match=r"type of argument timeout must be one of \(int, float, NoneType\); got str"):
        LambdaFunction(stack, "Fn", function_name="f", role="arn:aws:iam::1:role/r", timeout="30")  # type: ignore[arg-type]


def test_a_none_where_the_schema_takes_none_or_a_value_is_accepted():
    # GIVEN options left out (None) and one set
    stack = new_stack()
    # WHEN the resource is created and synthesized
    LambdaFunction(stack, "Fn", function_name="f", role="arn:aws:iam::1:role/r", timeout=30, description=None)
    # THEN the set option is written and the left-out one is not
    function = only(resources(synth(stack), "aws_lambda_function"))
    assert function["timeout"] == 30 and "description" not in function


def test_a_none_where_the_schema_requires_a_value_is_refused():
    # GIVEN a stack
    stack = new_stack()
    # WHEN a required argument is None THEN typeguard refuses it as before
    with pytest.raises(TypeError, match=r"type of argument function_name must be str; got NoneType"):
        LambdaFunction(stack, "Fn", function_name=None, role="arn:aws:iam::1:role/r")  # type: ignore[arg-type]


def test_the_remembered_hints_of_every_stub_are_the_hints_typing_resolves():
    # GIVEN the argument-check stubs of a provider module (at least one per class and method)
    assert len(STUBS) > 20
    # WHEN their hints are asked for through the installed get_type_hints, twice
    remembered = [typing.get_type_hints(stub) for stub in STUBS]
    # THEN they equal what typing resolves afresh, and the second answer is the remembered one
    assert remembered == [jsii_checks._resolve(stub) for stub in STUBS]
    assert all(typing.get_type_hints(stub) is hints for stub, hints in zip(STUBS, remembered, strict=True))


def test_other_callers_of_get_type_hints_get_a_fresh_answer():
    # GIVEN a function that is not a jsii stub
    def handler(event: dict, context: "typing.Any") -> None: ...

    # WHEN its hints are asked for twice, and with extras
    first, second = typing.get_type_hints(handler), typing.get_type_hints(handler, include_extras=True)
    # THEN each call resolves them anew
    assert first == second == {"event": dict, "context": typing.Any, "return": type(None)}
    assert first is not second


@pytest.mark.parametrize(
    ("expected_type", "takes_none"),
    [
        (typing.Optional[str], True),
        (typing.Union[int, float, None], True),
        (typing.Any, True),
        (type(None), True),
        (str, False),
        (typing.Union[int, str], False),
        (typing.Sequence[typing.Optional[str]], False),
    ],
)
def test_none_is_let_through_exactly_where_typeguard_lets_it_through(expected_type, takes_none):
    # GIVEN an expected type WHEN a None is checked against it THEN it passes where typeguard passes it
    assert jsii_checks.takes_none(expected_type) is takes_none
    if takes_none:
        jsii_checks._check("argument x", None, expected_type, None)
    else:
        with pytest.raises(TypeError):
            jsii_checks._check("argument x", None, expected_type, None)
