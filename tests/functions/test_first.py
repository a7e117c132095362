"""First: summarizes a list of numbers."""

import pytest

from tests.functions.context import LambdaContext, load_function
from tests.support import FUNCTIONS_DIR


@pytest.fixture
def first():
    return load_function("first", FUNCTIONS_DIR)


def test_it_returns_the_summary_of_the_numbers(first):
    assert first.handler({"numbers": [1, 2, 3, 4.5]}, LambdaContext()) == {
        "count": 4,
        "sum": 10.5,
        "mean": 2.625,
        "min": 1,
        "max": 4.5,
    }


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("text", "event must be a JSON object with a 'numbers' list; got str"),
        ({}, "event.numbers must be a non-empty list of numbers"),
        ({"numbers": [1, "2"]}, r"event.numbers\[1\] must be a finite number; got '2'"),
        ({"numbers": [True]}, r"event.numbers\[0\] must be a finite number; got True"),
        ({"numbers": [float("nan")]}, r"event.numbers\[0\] must be a finite number; got nan"),
        ({"numbers": [0] * 10_001}, "event.numbers may hold at most 10000 numbers; got 10001"),
    ],
)
def test_bad_events_fail_the_invocation_with_the_reason(first, event, message):
    with pytest.raises(ValueError, match=message):
        first.handler(event, LambdaContext())
