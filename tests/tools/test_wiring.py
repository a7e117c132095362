"""tools.wiring: the one reader of synthesized stacks, with values resolved as they deploy."""

import json

import pytest

from tools.wiring import Stack, WiringError, load_stack, stack_file, wildcard_match

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def response_only(synthesized_app):
    return load_stack(stack_file(synthesized_app, "response-only"))


def stack_with(resource=None, data=None, provider_region="eu-west-1"):
    return Stack(
        "s", {"provider": {"aws": [{"region": provider_region}]}, "resource": resource or {}, "data": data or {}}
    )


def test_references_resolve_to_what_they_deploy_as_in_the_stand_in_account(response_only):
    # GIVEN the response-only stack WHEN its rule pattern is resolved
    (rule,) = response_only.rules
    pattern = response_only.value(rule.pattern)
    # THEN the reference to First became First's ARN in the provider's region
    first = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lambda-async-dev-response-only-First"
    assert pattern["resources"] == [f"{first}:$LATEST"]
    assert response_only.functions["First"].arn == first
    assert (
        response_only.value(response_only.invoke_configs[0].on_success)
        == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    )


def test_labels_name_construct_paths(response_only):
    (rule,) = response_only.rules
    assert response_only.label(rule.pattern)["resources"] == ["lambda_function:First:$LATEST"]
    assert (
        response_only.label(rule.targets[0].resource.get("rule"))
        == "cloudwatch_event_rule:First/EventInvokeConfig/Success/Rule.name"
    )
    assert response_only.label("arn:${data.aws_partition.Partition.partition}:x") == "arn:<partition>:x"


def test_unset_retries_and_event_age_read_as_awss_defaults(response_only):
    (config,) = response_only.invoke_configs
    assert (config.max_retries, config.max_event_age, config.qualifier) == (2, 21600, "$LATEST")
    assert config.retries_is_default and config.max_event_age_is_default


def test_jsonencode_arguments_are_read_with_interpolations_and_literals():
    stack = stack_with(
        resource={
            "aws_cloudwatch_event_rule": {
                "R": {
                    "name": "r",
                    "event_pattern": '${jsonencode({"detail" = {"n" = [{"numeric" = [">", 1.5]}], "ok" = [true, null]}, '
                    'source = ["${aws_cloudwatch_event_rule.R.name}-x", "a \\"quoted\\" word"]})}',
                }
            }
        }
    )
    (rule,) = stack.rules
    assert rule.pattern == {
        "detail": {"n": [{"numeric": [">", 1.5]}], "ok": [True, None]},
        "source": ["${aws_cloudwatch_event_rule.R.name}-x", 'a "quoted" word'],
    }
    assert stack.value(rule.pattern)["source"][0] == "r-x"


def role_with(*statements):
    return stack_with(
        resource={
            "aws_iam_role": {"R": {"name": "r", "assume_role_policy": "{}"}},
            "aws_iam_role_policy": {
                "P": {
                    "name": "p",
                    "role": "${aws_iam_role.R.id}",
                    "policy": json.dumps({"Statement": list(statements)}),
                }
            },
        }
    )


def test_an_explicit_deny_wins_over_an_allow():
    stack = role_with(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:secret"},
    )
    role = stack.roles["R"]
    assert stack.allows(role, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:public")
    assert not stack.allows(role, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:secret")


def test_not_action_allows_everything_but_the_actions_it_names():
    stack = role_with({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    role = stack.roles["R"]
    assert stack.allows(role, "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:1:function:f")
    assert not stack.allows(role, "iam:PassRole", "arn:aws:iam::1:role/x")


def test_a_statement_with_a_condition_is_not_taken_to_allow():
    # The reader does not evaluate conditions: it never claims an access that might not be granted.
    stack = role_with(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Bool": {"x": "true"}}}
    )
    assert not stack.allows(stack.roles["R"], "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k")


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("lambda:Invoke*", "lambda:InvokeFunction", True, True),
        ("LAMBDA:invokefunction", "lambda:InvokeFunction", True, True),
        ("lambda:Invoke?unction", "lambda:InvokeFunction", True, True),
        ("lambda:Get*", "lambda:InvokeFunction", True, False),
        ("arn:aws:sqs:*:*:q", "arn:aws:sqs:us-east-1:1:q", False, True),
        ("arn:aws:sqs:*:*:q", "arn:aws:sqs:us-east-1:1:q2", False, False),
        ("arn:aws:sqs:[a]:q", "arn:aws:sqs:a:q", False, False),
    ],
)
def test_iam_wildcard_matching(pattern, value, ignore_case, expected):
    assert wildcard_match(pattern, value, ignore_case=ignore_case) is expected


def test_functions_are_found_by_name_arn_partial_arn_and_qualifier(response_only):
    first = response_only.functions["First"]
    for reference, qualifier in (
        (first.name, None),
        (first.arn, None),
        (f"{ACCOUNT}:function:{first.name}", None),
        (f"{first.name}:live", "live"),
        (f"{first.arn}:$LATEST", "$LATEST"),
    ):
        assert response_only.function_at(reference) == (first, qualifier)
    assert response_only.function_at("someone-else") == (None, None)


def test_a_customer_managed_key_adds_kms_to_what_a_delivery_needs():
    stack = stack_with(
        resource={
            "aws_kms_key": {"K": {}},
            "aws_sqs_queue": {
                "Q": {"name": "q", "kms_master_key_id": "${aws_kms_key.K.arn}"},
                "M": {"name": "m", "kms_master_key_id": "alias/aws/sqs"},
            },
        }
    )
    key = stack.value("${aws_kms_key.K.arn}")
    assert [(r.action, r.resource) for r in stack.delivery_requirements("arn:aws:sqs:eu-west-1:123456789012:q")] == [
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:q"),
        ("kms:GenerateDataKey", key),
        ("kms:Decrypt", key),
    ]
    assert [r.action for r in stack.delivery_requirements("arn:aws:sqs:eu-west-1:123456789012:m")] == [
        "sqs:SendMessage"
    ]


def test_a_queue_policy_admits_a_service_only_from_its_source():
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": "${aws_sqs_queue.Q.arn}",
                "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:x:rule/a"}},
            }
        ]
    }
    stack = stack_with(
        resource={
            "aws_sqs_queue": {"Q": {"name": "q"}},
            "aws_sqs_queue_policy": {"P": {"queue_url": "${aws_sqs_queue.Q.url}", "policy": json.dumps(policy)}},
        }
    )
    queue = "arn:aws:sqs:eu-west-1:123456789012:q"
    assert stack.resource_policy_allows(queue, "events.amazonaws.com", "sqs:SendMessage", "arn:aws:events:x:rule/a")
    assert not stack.resource_policy_allows(queue, "events.amazonaws.com", "sqs:SendMessage", "arn:aws:events:x:rule/b")
    assert not stack.resource_policy_allows(queue, "sns.amazonaws.com", "sqs:SendMessage", "arn:aws:events:x:rule/a")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"resource": 3}', "'resource' must be an object of resource types"),
        ('{"resource": {"aws_sqs_queue": {"Q": 1}}}', "resource type 'aws_sqs_queue' must map logical ids to objects"),
        ("{nope", "not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
    ],
)
def test_a_malformed_file_is_refused_in_one_line_naming_it(tmp_path, text, message):
    path = tmp_path / "stacks" / "s" / "cdk.tf.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(WiringError) as caught:
        load_stack(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_reference_to_a_missing_resource_names_it():
    stack = stack_with(
        resource={"aws_lambda_function": {"F": {"function_name": "f", "role": "${aws_iam_role.Gone.arn}"}}}
    )
    with pytest.raises(WiringError, match="a reference names resource aws_iam_role.Gone, which is not in the file"):
        _ = stack.functions
