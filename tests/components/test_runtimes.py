"""Runtimes: what Lambda supports reaches the function; deprecated and unknown ones are refused, naming the supported."""

import re

import pytest

from components import ConfigurationError, Function, SelfInvokingFunction
from components.runtimes import DEPRECATED_RUNTIMES, REVIEWED, SUPPORTED_RUNTIMES
from tests.support import FIRST_CODE, LONG_JOB_CODE, new_stack, only, resources, synth

SUPPORTED = (
    "python3.11, python3.12, python3.13, python3.14, nodejs22.x, nodejs24.x, java8.al2, java8.al2023, java11, "
    "java11.al2023, java17, java17.al2023, java21, java25, dotnet10, ruby3.3, ruby3.4, ruby4.0, provided.al2023"
)


@pytest.mark.parametrize("runtime", ["python3.13", "python3.14", "nodejs24.x", "java25", "provided.al2023"])
def test_a_supported_runtime_reaches_the_function(runtime):
    # GIVEN a function on a runtime Lambda supports
    stack = new_stack()
    Function(stack, "First", code=FIRST_CODE, runtime=runtime)
    # WHEN synthesized THEN the function has that runtime
    assert only(resources(synth(stack), "aws_lambda_function"))["runtime"] == runtime


@pytest.mark.parametrize(
    ("runtime", "deprecated_on", "advice"),
    [
        ("python2.7", "2021-07-15", "use python3.11, python3.12, python3.13 or python3.14; "),
        ("python3.8", "2024-10-14", "use python3.11, python3.12, python3.13 or python3.14; "),
        ("nodejs16.x", "2024-06-12", "use nodejs22.x or nodejs24.x; "),
        ("nodejs18.x", "2025-09-01", "use nodejs22.x or nodejs24.x; "),
        ("nodejs20.x", "2026-04-30", "use nodejs22.x or nodejs24.x; "),
        ("dotnet8", "2026-11-10", "use dotnet10; "),
        ("go1.x", "2024-01-08", "use provided.al2023; "),
        (
            "java8",
            "2024-01-08",
            "use java8.al2, java8.al2023, java11, java11.al2023, java17, java17.al2023, java21 or java25; ",
        ),
    ],
)
def test_a_deprecated_runtime_is_refused_with_its_date_its_successors_and_the_supported_ones(
    runtime, deprecated_on, advice
):
    # GIVEN a stack WHEN a function asks for a runtime AWS deprecated
    stack = new_stack()
    with pytest.raises(ConfigurationError) as caught:
        Function(stack, "First", code=FIRST_CODE, runtime=runtime)
    # THEN the message names the runtime, the date, what to use instead and every supported runtime
    assert str(caught.value) == (
        f"runtime {runtime!r} was deprecated by AWS Lambda on {deprecated_on} (no security patches since): "
        f"{advice}supported: {SUPPORTED}"
    )
    # AND nothing was added
    assert stack.node.try_find_child("First") is None


@pytest.mark.parametrize("runtime", ["java99", "Python3.12", "python3.12 ", "dotnet9"])
def test_an_unknown_runtime_is_refused_naming_the_supported_ones(runtime):
    with pytest.raises(ConfigurationError) as caught:
        Function(new_stack(), "First", code=FIRST_CODE, runtime=runtime)
    assert str(caught.value) == (
        f"runtime {runtime!r} is not a runtime AWS Lambda supports for .zip functions; supported: {SUPPORTED}"
    )


def test_a_runtime_that_is_not_a_string_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=re.escape("runtime must be a Lambda runtime identifier such as 'python3.12'; got 3.12"),
    ):
        Function(new_stack(), "First", code=FIRST_CODE, runtime=3.12)  # type: ignore[arg-type]


def test_a_self_invoking_function_refuses_a_deprecated_runtime_before_anything_is_added():
    stack = new_stack()
    with pytest.raises(ConfigurationError, match=r"^runtime 'nodejs18.x' was deprecated by AWS Lambda on 2025-09-01"):
        SelfInvokingFunction(stack, "Job", code=LONG_JOB_CODE, runtime="nodejs18.x")
    assert stack.node.try_find_child("Job") is None


def test_the_tables_agree_with_the_date_they_were_reviewed():
    # GIVEN the runtimes as AWS's page dated them on REVIEWED
    # THEN every supported runtime is deprecated only after that day, every refused one on or before it
    assert {name: day for name, day in SUPPORTED_RUNTIMES.items() if day <= REVIEWED} == {}
    assert {name: day for name, day in DEPRECATED_RUNTIMES.items() if day > REVIEWED} == {}
    # AND no runtime is in both, and the project's own default is supported
    assert set(SUPPORTED_RUNTIMES) & set(DEPRECATED_RUNTIMES) == set()
    assert "python3.12" in SUPPORTED_RUNTIMES
