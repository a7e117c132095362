"""The stacks: what each deploys, its outputs, names and backend."""

import subprocess
import sys
from pathlib import Path

import pytest

from components import ConfigurationError
from main import build
from stacks import (
    FunctionDestinationStack,
    LongJobApiStack,
    QueueConsumerStack,
    ResponseOnlyStack,
    SelfInvokingStack,
    Settings,
    SqsDestinationStack,
)
from tests.support import new_app, resources, synth

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings()


def stack_of(cls, settings=SETTINGS):
    return cls(new_app(), cls.__name__, settings=settings)


def resource_counts(out):
    return {type_: len(items) for type_, items in out["resource"].items()}


def test_function_destination_stack_is_a_first_second_pair_wired_by_a_function_destination():
    out = synth(stack_of(FunctionDestinationStack))
    assert resource_counts(out) == {
        "aws_cloudwatch_log_group": 2,
        "aws_iam_role": 2,
        "aws_iam_role_policy": 2,
        "aws_lambda_function": 2,
        "aws_lambda_function_event_invoke_config": 1,
    }
    assert sorted(out["output"]) == [
        "first_function_arn",
        "first_function_name",
        "second_function_arn",
        "second_function_name",
    ]


def test_sqs_destination_stack_sends_first_results_to_an_encrypted_queue():
    out = synth(stack_of(SqsDestinationStack))
    assert resource_counts(out) == {
        "aws_cloudwatch_log_group": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_lambda_function": 1,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_sqs_queue": 1,
    }
    assert list(resources(out, "aws_sqs_queue").values()) == [
        {"name": "lambda-async-dev-SqsDestinationStack-Queue", "sqs_managed_sse_enabled": True}
    ]
    assert "queue_url" in out["output"]


def test_response_only_stack_adds_the_rule_target_and_permission():
    out = synth(stack_of(ResponseOnlyStack))
    assert resource_counts(out) == {
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
        "aws_cloudwatch_log_group": 2,
        "aws_iam_role": 2,
        "aws_iam_role_policy": 2,
        "aws_lambda_function": 2,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_lambda_permission": 1,
    }
    assert "rule_arn" in out["output"]


def test_self_invoking_stack_follows_the_recursion_switch():
    on = synth(stack_of(SelfInvokingStack))
    off = synth(stack_of(SelfInvokingStack, Settings(recursion_config=False)))
    assert "aws_lambda_function_recursion_config" in on["resource"]
    assert "aws_lambda_function_recursion_config" not in off["resource"]
    assert sorted(on["output"]) == ["failure_queue_url", "long_job_function_arn", "long_job_function_name"]


def test_long_job_api_stack_puts_a_signed_http_api_and_a_job_table_before_the_self_invoking_function():
    out = synth(stack_of(LongJobApiStack))
    assert resource_counts(out) == {
        "aws_apigatewayv2_api": 1,
        "aws_apigatewayv2_integration": 1,
        "aws_apigatewayv2_route": 2,
        "aws_apigatewayv2_stage": 1,
        "aws_cloudwatch_log_group": 2,
        "aws_dynamodb_table": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_lambda_function": 1,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_lambda_function_recursion_config": 1,
        "aws_lambda_permission": 1,
        "aws_sqs_queue": 1,
    }
    (function,) = resources(out, "aws_lambda_function").values()
    (table,) = resources(out, "aws_dynamodb_table").values()
    table_id = next(iter(out["resource"]["aws_dynamodb_table"]))
    assert function["environment"]["variables"] == {
        "JOBS_TABLE": f"${{aws_dynamodb_table.{table_id}.name}}",
        "MAX_CHAIN_DEPTH": "100",
    }
    assert sorted(r["route_key"] for r in resources(out, "aws_apigatewayv2_route").values()) == [
        "GET /jobs/{job_id}",
        "POST /jobs",
    ]
    assert sorted(out["output"]) == ["api_url", "failure_queue_url", "jobs_table_name", "long_job_function_name"]


def test_queue_consumer_stack_queues_firsts_successes_for_a_consumer_with_dead_letter_queues_behind_both():
    # GIVEN the queue-consumer stack, synthesized
    out = synth(stack_of(QueueConsumerStack))
    assert resource_counts(out) == {
        "aws_cloudwatch_log_group": 2,
        "aws_iam_role": 2,
        "aws_iam_role_policy": 3,
        "aws_lambda_event_source_mapping": 1,
        "aws_lambda_function": 2,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_sqs_queue": 3,
        "aws_sqs_queue_redrive_policy": 1,
    }
    prefix = "lambda-async-dev-QueueConsumerStack"
    queues = {body["name"].removeprefix(f"{prefix}-"): body for body in resources(out, "aws_sqs_queue").values()}
    # THEN Work hides a received message for six times Consumer's timeout, and moves it to WorkDeadLetters
    # after its third receive; both dead-letter queues keep messages for 14 days; every queue is SSE-SQS
    assert queues["Work"]["visibility_timeout_seconds"] == 180
    (redrive,) = resources(out, "aws_sqs_queue_redrive_policy").values()
    assert redrive == {
        "queue_url": "${aws_sqs_queue.Work.url}",
        "redrive_policy": (
            '${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.WorkDeadLetters.arn, "maxReceiveCount" = 3})}'
        ),
    }
    # (the queue leaves its redrive_policy attribute to that resource, which compares it as JSON)
    assert queues["Work"]["lifecycle"] == {"ignore_changes": ["redrive_policy"]}
    assert [queues[name]["message_retention_seconds"] for name in ("FirstDeadLetters", "WorkDeadLetters")] == [
        1209600
    ] * 2
    assert all(queue["sqs_managed_sse_enabled"] is True for queue in queues.values())
    # AND First's dead letters go to FirstDeadLetters; Consumer reserves 2 executions
    functions = {
        body["function_name"].removeprefix(f"{prefix}-"): body
        for body in resources(out, "aws_lambda_function").values()
    }
    assert functions["First"]["dead_letter_config"] == {"target_arn": "${aws_sqs_queue.FirstDeadLetters.arn}"}
    assert functions["Consumer"]["reserved_concurrent_executions"] == 2
    # AND the mapping reads Work in batches of 10 within 5 s, with partial batch responses, 2 at a time
    (mapping,) = resources(out, "aws_lambda_event_source_mapping").values()
    assert (
        mapping["event_source_arn"],
        mapping["batch_size"],
        mapping["maximum_batching_window_in_seconds"],
        mapping["function_response_types"],
        mapping["scaling_config"],
    ) == ("${aws_sqs_queue.Work.arn}", 10, 5, ["ReportBatchItemFailures"], {"maximum_concurrency": 2})
    assert sorted(out["output"]) == [
        "consumer_function_name",
        "first_dead_letter_queue_url",
        "first_function_arn",
        "first_function_name",
        "work_dead_letter_queue_url",
        "work_queue_arn",
        "work_queue_url",
    ]


def test_provider_region_and_tags_come_from_settings():
    out = synth(
        stack_of(FunctionDestinationStack, Settings(region="eu-west-1", name_prefix="shop", environment="prod"))
    )
    assert out["provider"]["aws"] == [
        {
            "region": "eu-west-1",
            "default_tags": [{"tags": {"environment": "prod", "project": "shop", "stack": "FunctionDestinationStack"}}],
        }
    ]
    assert sorted(f["function_name"] for f in resources(out, "aws_lambda_function").values()) == [
        "shop-prod-FunctionDestinationStack-First",
        "shop-prod-FunctionDestinationStack-Second",
    ]


def test_state_goes_to_s3_with_locking_when_a_bucket_is_configured():
    out = synth(stack_of(SqsDestinationStack, Settings(state_bucket="team-state", state_region="eu-central-1")))
    assert out["terraform"]["backend"] == {
        "s3": {
            "bucket": "team-state",
            "key": "lambda-async/dev/SqsDestinationStack.tfstate",
            "region": "eu-central-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_on_an_emulator_the_same_backend_only_adds_path_style_addressing():
    settings = Settings(state_bucket="team-state", emulator_endpoint="http://127.0.0.1:4599")
    out = synth(stack_of(SqsDestinationStack, settings))
    assert out["terraform"]["backend"] == {
        "s3": {
            "bucket": "team-state",
            "key": "lambda-async/dev/SqsDestinationStack.tfstate",
            "region": "us-east-1",
            "encrypt": True,
            "use_lockfile": True,
            "use_path_style": True,
        }
    }


def test_all_stacks_synthesize_together_under_their_cli_names():
    app = new_app()
    build(app, SETTINGS)
    assert [child.node.id for child in app.node.children] == [
        "function-destination",
        "sqs-destination",
        "response-only",
        "self-invoking",
        "long-job-api",
        "queue-consumer",
    ]


@pytest.mark.slow  # a subprocess synth: make check leaves it to make test
def test_main_refuses_bad_settings_before_writing_anything(tmp_path):
    # GIVEN an invalid environment WHEN main.py runs THEN it exits 1 with the message and no output folder
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "DEPLOY_ENV": "Prod!",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "HOME": str(Path.home()),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Configuration error: environment (DEPLOY_ENV) must be 1–10 lowercase letters or digits" in result.stderr
    assert not (tmp_path / "cdktf.out").exists()


@pytest.mark.slow  # a subprocess synth: make check leaves it to make test
def test_main_run_on_its_own_is_quiet(tmp_path):
    # GIVEN an environment without what make and ./cdktf set (Node 20's end-of-life banner is on by default)
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "CDKTF_OUTDIR": str(tmp_path / "out")}
    # WHEN main.py runs on its own, as the error messages recommend
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # THEN it synthesizes every stack and prints nothing: project.env was applied before jsii started
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_emulator_mode_accepts_only_the_emulators_account_and_leaves_the_endpoint_to_the_environment():
    # GIVEN an emulator endpoint
    settings = Settings.from_environment({"EMULATOR_ENDPOINT": "http://127.0.0.1:5000"})
    out = synth(stack_of(SelfInvokingStack, settings))
    provider = out["provider"]["aws"][0]
    # THEN the provider works only in moto's account, without the credential checks moto cannot answer
    assert provider["allowed_account_ids"] == ["123456789012"]
    # (moto answers sts:GetCallerIdentity, so the provider learns the account and builds real ARNs)
    assert provider["skip_credentials_validation"] is True and "skip_requesting_account_id" not in provider
    # AND it has no `endpoints` block (seconds of provider CPU per validation): AWS_ENDPOINT_URL says where
    assert "endpoints" not in provider
    # AND the recursion config moto lacks is off by default, while the rest of the stack is unchanged
    assert "aws_lambda_function_recursion_config" not in out["resource"]
    plain = synth(stack_of(SelfInvokingStack, Settings(recursion_config=False)))
    assert out["resource"] == plain["resource"]


def test_an_invalid_emulator_endpoint_is_refused():
    with pytest.raises(
        ConfigurationError,
        match=r"emulator_endpoint \(EMULATOR_ENDPOINT\) must be an http\(s\)://host\[:port\] URL; got 'localhost:5000'",
    ):
        Settings.from_environment({"EMULATOR_ENDPOINT": "localhost:5000"})


def test_local_state_goes_to_the_configured_folder():
    out = synth(stack_of(SqsDestinationStack, Settings(state_dir="/srv/state")))
    assert out["terraform"]["backend"] == {"local": {"path": "/srv/state/terraform.SqsDestinationStack.tfstate"}}


def test_the_emulator_tool_starts_moto_with_the_account_the_stacks_accept():
    from stacks.settings import EMULATOR_ACCOUNT_ID
    from tools import emulator

    assert emulator.EMULATOR_ACCOUNT_ID == EMULATOR_ACCOUNT_ID
