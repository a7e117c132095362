"""EventBridge matching and input transformation, as a rule applies them."""

import pytest

from local_runtime.event_patterns import InputError, UnsupportedPattern, matches, transform_input

EVENT = {
    "source": "lambda",
    "detail-type": "Lambda Function Invocation Result - Success",
    "resources": ["arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"],
    "detail": {
        "responsePayload": {"sum": 6},
        "count": 5,
        "ip": "10.0.0.7",
        "tags": ["a", "b"],
        "flag": False,
        "none": None,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["lambda"]}, True),
        ({"source": ["aws.lambda", "lambda"]}, True),
        ({"source": ["aws.lambda"]}, False),
        ({"resources": ["arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"]}, True),
        ({"detail": {"tags": ["b"]}}, True),
        ({"detail": {"count": [5.0]}}, True),
        ({"detail": {"count": ["5"]}}, False),
        ({"detail": {"flag": [False]}}, True),
        ({"detail": {"flag": [0]}}, False),
        ({"detail": {"none": [None]}}, True),
        ({"detail-type": [{"prefix": "Lambda Function Invocation Result"}]}, True),
        ({"detail-type": [{"suffix": "- Failure"}]}, False),
        ({"source": [{"equals-ignore-case": "LAMBDA"}]}, True),
        ({"source": [{"prefix": {"equals-ignore-case": "LAM"}}]}, True),
        ({"detail-type": [{"wildcard": "Lambda * - Success"}]}, True),
        ({"source": [{"anything-but": ["aws.lambda", "aws.s3"]}]}, True),
        ({"source": [{"anything-but": {"prefix": "lam"}}]}, False),
        ({"detail": {"count": [{"numeric": [">", 4, "<=", 5]}]}}, True),
        ({"detail": {"count": [{"numeric": ["<", 5]}]}}, False),
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"missing": [{"exists": True}]}}, False),
        ({"detail": {"missing": [{"anything-but": "x"}]}}, False),
        ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
        ({"$or": [{"source": ["x"]}, {"detail": {"count": [5]}}]}, True),
        ({"source": ["lambda"], "detail": {"count": [6]}}, False),
    ],
)
def test_patterns_match_as_eventbridge_matches(pattern, expected):
    assert matches(pattern, EVENT) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            {"source": [{"sounds-like": "lambda"}]},
            "the operator 'sounds-like', which the local engine does not implement",
        ),
        ({"source": "lambda"}, "the pattern value of 'source' must be an array or an object"),
        ({"source": [{"prefix": "a", "suffix": "b"}]}, "an operator object holds exactly one operator"),
    ],
)
def test_what_the_engine_cannot_evaluate_is_refused_not_matched(pattern, message):
    with pytest.raises(UnsupportedPattern, match=message):
        matches(pattern, EVENT)


def test_input_path_selects_the_response_payload():
    assert transform_input(EVENT, input_path="$.detail.responsePayload") == {"sum": 6}
    assert transform_input(EVENT, input_path="$['detail'].tags[1]") == "b"
    assert transform_input(EVENT) is EVENT


def test_an_input_path_that_matches_nothing_is_an_error():
    with pytest.raises(InputError, match=r"the path \$.detail.nothing matches nothing in the event"):
        transform_input(EVENT, input_path="$.detail.nothing")


def test_constant_input_replaces_the_event():
    assert transform_input(EVENT, input='{"fixed": true}') == {"fixed": True}


def test_an_input_transformer_fills_placeholders_inside_and_outside_strings():
    transformer = {
        "input_paths": {
            "sum": "$.detail.responsePayload.sum",
            "payload": "$.detail.responsePayload",
            "source": "$.source",
        },
        "input_template": '{"text": "<source> summed to <sum>", "payload": <payload>, "rule": "<aws.events.rule-name>"}',
    }
    assert transform_input(EVENT, input_transformer=transformer, rule_name="R") == {
        "text": "lambda summed to 6",
        "payload": {"sum": 6},
        "rule": "R",
    }


def test_a_plain_text_template_stays_text():
    transformer = {"input_paths": {"source": "$.source"}, "input_template": '"from <source>"'}
    assert transform_input(EVENT, input_transformer=transformer) == "from lambda"
