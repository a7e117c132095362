"""local_runtime.model: the one reader of synthesized stacks, every value resolved once, as it deploys."""

import base64
import hashlib
import json

import pytest

from local_runtime import iam
from local_runtime.errors import StackFileError
from local_runtime.iam import wildcard_match
from local_runtime.model import load_stack, read_stack, stack_file
from local_runtime.model.managed_policies import DOCUMENTS

ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE = {"name": "r", "assume_role_policy": "{}"}


@pytest.fixture(scope="module")
def response_only(synthesized_app):
    return load_stack(stack_file(synthesized_app, "response-only"))


def stack_with(resource=None, data=None, provider_region="eu-west-1", directory=None):
    document = {"provider": {"aws": [{"region": provider_region}]}, "resource": resource or {}, "data": data or {}}
    return read_stack("s", document, directory=directory)


def function_body(name="f", **extra):
    return {"function_name": name, "role": "${aws_iam_role.R.arn}", "runtime": "python3.12", **extra}


# --- references, labels, defaults ----------------------------------------------------------------------


def test_references_resolve_to_what_they_deploy_as_in_the_stand_in_account(response_only):
    # GIVEN the response-only stack WHEN read THEN the rule's reference to First is First's ARN in the region
    (rule,) = response_only.rules
    first = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lambda-async-dev-response-only-First"
    assert rule.pattern["resources"] == [f"{first}:$LATEST"]
    assert response_only.functions["First"].arn == first
    assert response_only.invoke_configs[0].on_success.arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    assert response_only.problems == ()


def test_labels_name_construct_paths(response_only):
    (rule,) = response_only.rules
    assert rule.pattern_label["resources"] == ["lambda_function:First:$LATEST"]
    assert rule.targets[0].rule_label == "cloudwatch_event_rule:First/EventInvokeConfig/Success/Rule.name"
    assert response_only.invoke_configs[0].on_success.label == (
        "arn:<partition>:events:<region>:<account>:event-bus/default"
    )


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
        "source": ["r-x", 'a "quoted" word'],
    }
    assert rule.pattern_label["source"] == ["cloudwatch_event_rule:R.name-x", 'a "quoted" word']


def test_every_function_attribute_a_reference_can_name_resolves():
    # GIVEN a published function F, an alias of it, and a function G whose environment names each attribute of F
    attributes = ("arn", "qualified_arn", "invoke_arn", "qualified_invoke_arn", "version", "function_name", "id")
    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {
                "F": function_body(publish=True),
                "G": function_body(
                    "g", environment={"variables": {a: f"${{aws_lambda_function.F.{a}}}" for a in attributes}}
                ),
            },
            "aws_lambda_alias": {
                "A": {"name": "live", "function_name": "${aws_lambda_function.F.arn}", "function_version": "1"}
            },
        }
    )
    # WHEN read THEN each is what AWS gives a version-1 function in the provider's region
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    invoke = f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{arn}"
    assert stack.functions["G"].environment == {
        "arn": arn,
        "qualified_arn": f"{arn}:1",
        "invoke_arn": f"{invoke}/invocations",
        "qualified_invoke_arn": f"{invoke}:1/invocations",
        "version": "1",
        "function_name": "f",
        "id": "f",
    }
    assert (stack.functions["F"].version, stack.aliases[f"{arn}:live"].version) == ("1", "1")
    assert stack.problems == ()


def test_names_from_a_name_prefix_are_stable_stand_ins_of_terraforms_suffix():
    stack = stack_with(resource={"aws_sqs_queue": {"Q": {"name_prefix": "orders-"}}})
    (queue,) = stack.queues.values()
    assert queue.name.startswith("orders-") and len(queue.name) == len("orders-") + 26
    assert (
        queue.name == stack_with(resource={"aws_sqs_queue": {"Q": {"name_prefix": "orders-"}}}).queues[queue.arn].name
    )
    assert queue.url == f"https://sqs.eu-west-1.amazonaws.com/123456789012/{queue.name}"


def test_a_service_principal_data_source_names_the_services_principal():
    stack = stack_with(
        resource={"aws_iam_role": {"R": {"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.T.json}"}}},
        data={
            "aws_service_principal": {"L": {"service_name": "lambda"}},
            "aws_iam_policy_document": {
                "T": {
                    "statement": [
                        {
                            "actions": ["sts:AssumeRole"],
                            "principals": [
                                {"type": "Service", "identifiers": ["${data.aws_service_principal.L.name}"]}
                            ],
                        }
                    ]
                }
            },
        },
    )
    ((principal,),) = [s.principals for s in stack.roles["R"].trust]
    assert (principal.type, principal.identifiers) == ("Service", ("lambda.amazonaws.com",))


# --- what the reader cannot interpret is reported, never a stop ------------------------------------------


def test_a_reference_to_a_missing_resource_is_a_problem_naming_it():
    stack = stack_with(
        resource={"aws_lambda_function": {"F": {"function_name": "f", "role": "${aws_iam_role.Gone.arn}"}}}
    )
    assert stack.functions["F"].role is None
    assert stack.problems == (
        "aws_lambda_function.F (F): role: cannot resolve aws_iam_role.Gone.arn: it names resource "
        "aws_iam_role.Gone, which is not in the file",
    )


def test_an_attribute_or_a_type_the_reader_does_not_model_is_a_placeholder_and_a_problem():
    # GIVEN an environment naming an attribute the reader does not model, and a resource type it does not know
    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {
                "F": function_body(
                    environment={
                        "variables": {
                            "A": "${aws_lambda_function.F.code_sha256}",
                            "B": "${aws_kinesis_stream.S.arn}",
                        }
                    }
                )
            },
            "aws_kinesis_stream": {"S": {"name": "s"}},
        }
    )
    # WHEN read THEN the values are labelled placeholders and the problems name resource, argument and reference
    assert stack.functions["F"].environment == {
        "A": "<unresolved aws_lambda_function.F.code_sha256>",
        "B": "<unresolved aws_kinesis_stream.S.arn>",
    }
    assert stack.problems == (
        "aws_lambda_function.F (F): environment.A: cannot resolve aws_lambda_function.F.code_sha256: "
        "the local runtime does not model the attribute code_sha256 of aws_lambda_function",
        "aws_lambda_function.F (F): environment.B: cannot resolve aws_kinesis_stream.S.arn: "
        "the local runtime does not model the resource type aws_kinesis_stream",
    )


def test_a_function_the_reader_does_not_evaluate_is_reported():
    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {"F": function_body(environment={"variables": {"T": "${timestamp()}"}})},
        }
    )
    assert stack.functions["F"].environment["T"] == "<unresolved timestamp()>"
    assert stack.problems == (
        "aws_lambda_function.F (F): environment.T: cannot resolve timestamp(): "
        "the function timestamp() is not evaluated by the local runtime",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"resource": 3}', "'resource' must be an object of resource types"),
        ('{"resource": {"aws_sqs_queue": {"Q": 1}}}', "resource type 'aws_sqs_queue' must map logical ids to objects"),
        ("{nope", "not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
    ],
)
def test_a_file_that_is_not_a_stack_is_refused_in_one_line_naming_it(tmp_path, text, message):
    path = tmp_path / "stacks" / "s" / "cdk.tf.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(StackFileError) as caught:
        load_stack(path)
    assert str(caught.value) == f"{path}: {message}"


# --- policies in every form ------------------------------------------------------------------------------


def role_with(*statements, policy=None):
    return stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_iam_role_policy": {
                "P": {
                    "name": "p",
                    "role": "${aws_iam_role.R.id}",
                    "policy": policy if policy is not None else json.dumps({"Statement": list(statements)}),
                }
            },
            "aws_lambda_function": {"Target": function_body("target", publish=True)},
        }
    )


def test_an_explicit_deny_wins_over_an_allow():
    stack = role_with(
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:secret"},
    )
    role = stack.roles["R"]
    assert iam.allows(role, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:public")
    assert not iam.allows(role, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:secret")


def test_not_action_allows_everything_but_the_actions_it_names():
    stack = role_with({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    role = stack.roles["R"]
    assert iam.allows(role, "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:1:function:f")
    assert not iam.allows(role, "iam:PassRole", "arn:aws:iam::1:role/x")


def test_a_statement_with_a_condition_is_not_taken_to_allow():
    # The evaluation does not evaluate identity conditions: it never claims an access that might not be granted.
    stack = role_with(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Bool": {"x": "true"}}}
    )
    assert not iam.allows(stack.roles["R"], "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k")


def test_a_jsonencode_policy_with_bare_references_is_resolved():
    # GIVEN the policy cdktf's Fn.jsonencode writes: references inside jsonencode are bare HCL, not ${...}
    policy = (
        '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = '
        '["lambda:InvokeFunction"], "Resource" = [aws_lambda_function.Target.qualified_arn, '
        '"${aws_lambda_function.Target.arn}:*"]}]})}'
    )
    stack = role_with(policy=policy)
    # WHEN read THEN the statement allows version 1 and any qualifier, and labels name the function
    (statement,) = stack.roles["R"].statements
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:target"
    assert statement.resources == (f"{arn}:1", f"{arn}:*")
    assert statement.resource_labels == ("lambda_function:Target.qualified_arn", "lambda_function:Target:*")
    assert iam.allows(stack.roles["R"], "lambda:InvokeFunction", f"{arn}:1")
    assert stack.problems == ()


def test_a_json_string_policy_with_an_interpolation_is_resolved():
    stack = role_with(
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "${aws_lambda_function.Target.arn}"}
    )
    (statement,) = stack.roles["R"].statements
    assert statement.resources == ("arn:aws:lambda:eu-west-1:123456789012:function:target",)


def test_managed_policies_of_the_stack_and_of_aws_apply_and_unknown_ones_are_reported():
    # GIVEN a customer policy attached by resource, an AWS-managed one by ARN, and one the reader cannot know
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    stack = stack_with(
        resource={
            "aws_iam_role": {
                "R": {**ROLE, "managed_policy_arns": [basic, "arn:aws:iam::aws:policy/AmazonS3FullAccess"]}
            },
            "aws_iam_policy": {
                "M": {
                    "name": "m",
                    "policy": json.dumps(
                        {
                            "Statement": [
                                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:q"}
                            ]
                        }
                    ),
                }
            },
            "aws_iam_role_policy_attachment": {
                "A": {"role": "${aws_iam_role.R.name}", "policy_arn": "${aws_iam_policy.M.arn}"}
            },
        }
    )
    role = stack.roles["R"]
    # THEN both documents apply to the role, and the unknown ARN is named as allowing nothing
    assert [(p.name, p.source) for p in role.policies] == [
        ("m", "managed"),
        ("AWSLambdaBasicExecutionRole", "aws-managed"),
    ]
    assert iam.allows(role, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q")
    assert iam.allows(role, "logs:CreateLogGroup", "arn:aws:logs:eu-west-1:1:log-group:any")
    assert stack.problems == (
        "aws_iam_role.R (R): the managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess is an AWS-managed policy "
        "this stack does not define and the local runtime does not know: it allows nothing here",
    )


def test_the_aws_managed_documents_are_the_ones_aws_publishes():
    # moto ships AWS's managed policies as AWS publishes them: the reader's copies must equal them
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    published = json.loads(aws_managed_policies_data)
    for name, (path, statements) in DOCUMENTS.items():
        assert (published[name]["Path"], published[name]["Document"]["Statement"]) == (path, statements), name


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
    # GIVEN destinations: a queue encrypted with a key of the stack, one with SQS's own key
    def config(queue):
        return {
            "function_name": "${aws_lambda_function.F.function_name}",
            "destination_config": {"on_success": {"destination": queue}},
        }

    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {"F": function_body()},
            "aws_kms_key": {"K": {}},
            "aws_sqs_queue": {
                "Q": {"name": "q", "kms_master_key_id": "${aws_kms_key.K.arn}"},
                "M": {"name": "m", "kms_master_key_id": "alias/aws/sqs"},
            },
            "aws_lambda_function_event_invoke_config": {
                "C1": config("${aws_sqs_queue.Q.arn}"),
                "C2": config("${aws_sqs_queue.M.arn}"),
            },
        }
    )
    encrypted, managed = (c.on_success for c in stack.invoke_configs)
    key = stack.queues[encrypted.arn].customer_key
    assert key.startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert [(r.action, r.resource) for r in encrypted.requirements] == [
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:q"),
        ("kms:GenerateDataKey", key),
        ("kms:Decrypt", key),
    ]
    assert [r.action for r in managed.requirements] == ["sqs:SendMessage"]


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
    statements = stack.queues[queue].policy

    def allows(principal, source):
        return iam.resource_policy_allows(statements, principal, "sqs:SendMessage", queue, {"aws:sourcearn": source})

    assert allows("events.amazonaws.com", "arn:aws:events:x:rule/a")
    assert not allows("events.amazonaws.com", "arn:aws:events:x:rule/b")
    assert not allows("sns.amazonaws.com", "arn:aws:events:x:rule/a")


# --- code ------------------------------------------------------------------------------------------------


def test_a_filebase64sha256_hash_is_computed_from_the_archive_in_the_stack_folder(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "code.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {
                "F": function_body(
                    filename="assets/code.zip", source_code_hash='${filebase64sha256("assets/code.zip")}'
                )
            },
        },
        directory=tmp_path,
    )
    code = stack.functions["F"].code
    expected = base64.b64encode(hashlib.sha256((tmp_path / "assets" / "code.zip").read_bytes()).digest()).decode()
    assert (code.archive, code.source_code_hash, code.problem) == (tmp_path / "assets" / "code.zip", expected, None)


def test_code_outside_the_stack_folder_is_read_where_terraform_reads_it(tmp_path):
    # GIVEN an archive beside the stack's folder, named relatively for the code and its hash
    outside = tmp_path / "dist.zip"
    outside.write_bytes(b"an archive a build step wrote")
    (tmp_path / "stack").mkdir()
    stack = stack_with(
        resource={
            "aws_iam_role": {"R": ROLE},
            "aws_lambda_function": {
                "F": function_body(filename="../dist.zip", source_code_hash='${filebase64sha256("../dist.zip")}')
            },
        },
        directory=tmp_path / "stack",
    )
    # THEN the model points at it and hashes it as Terraform would
    code = stack.functions["F"].code
    expected = base64.b64encode(hashlib.sha256(outside.read_bytes()).digest()).decode()
    assert (code.archive, code.source_code_hash, code.problem) == (outside, expected, None)
    assert stack.problems == ()
