"""LambdaHttpApi: an HTTP API in front of one function, signed requests only, throttled and logged."""

import json

import pytest

from components import ConfigurationError, Function
from components.http_api import HttpApiCors, LambdaHttpApi
from tests.support import FIRST_CODE, logical_id, new_stack, only, resources, synth


@pytest.fixture(scope="module")
def out():
    stack = new_stack()
    api = LambdaHttpApi(
        stack,
        "Api",
        function=Function(stack, "Job", code=FIRST_CODE),
        routes=("POST /jobs", "GET /jobs/{job_id}"),
        rate_limit=5,
        burst_limit=8,
        log_retention_days=30,
    )
    assert api.url.startswith("${")
    return synth(stack)


def test_every_route_needs_sigv4_and_proxies_to_the_function_with_payload_2(out):
    api_id = f"${{aws_apigatewayv2_api.{logical_id(out, 'aws_apigatewayv2_api', 'Api')}.id}}"
    integration_id = logical_id(out, "aws_apigatewayv2_integration", "Api/Integration")
    assert only(resources(out, "aws_apigatewayv2_api")) == {"name": "test-Api", "protocol_type": "HTTP"}
    assert only(resources(out, "aws_apigatewayv2_integration")) == {
        "api_id": api_id,
        "integration_type": "AWS_PROXY",
        "payload_format_version": "2.0",
        "integration_uri": f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'Job')}.arn}}",
    }
    assert sorted(
        (r["route_key"], r["authorization_type"], r["target"])
        for r in resources(out, "aws_apigatewayv2_route").values()
    ) == [
        ("GET /jobs/{job_id}", "AWS_IAM", f"integrations/${{aws_apigatewayv2_integration.{integration_id}.id}}"),
        ("POST /jobs", "AWS_IAM", f"integrations/${{aws_apigatewayv2_integration.{integration_id}.id}}"),
    ]


def test_the_default_stage_is_throttled_and_writes_json_access_logs_with_retention(out):
    stage = only(resources(out, "aws_apigatewayv2_stage"))
    log_group_id = logical_id(out, "aws_cloudwatch_log_group", "Api/AccessLogs")
    assert (stage["name"], stage["auto_deploy"]) == ("$default", True)
    assert stage["default_route_settings"] == {"throttling_burst_limit": 8, "throttling_rate_limit": 5}
    assert stage["access_log_settings"]["destination_arn"] == f"${{aws_cloudwatch_log_group.{log_group_id}.arn}}"
    assert set(json.loads(stage["access_log_settings"]["format"])) >= {"requestId", "caller", "routeKey", "status"}
    assert resources(out, "aws_cloudwatch_log_group")[log_group_id] == {
        "name": "/aws/apigateway/test-Api",
        "retention_in_days": 30,
    }


def test_only_this_api_may_invoke_the_function(out):
    api = logical_id(out, "aws_apigatewayv2_api", "Api")
    assert only(resources(out, "aws_lambda_permission")) == {
        "action": "lambda:InvokeFunction",
        "principal": "apigateway.amazonaws.com",
        "function_name": f"${{aws_lambda_function.{logical_id(out, 'aws_lambda_function', 'Job')}.arn}}",
        "source_arn": f"${{aws_apigatewayv2_api.{api}.execution_arn}}/*",
        # named, so that a deploy killed after creating it can adopt it (tools/state.py recover)
        "statement_id": "test-Api-invoke",
    }


def test_without_cors_the_api_has_no_cors_configuration(out):
    assert "cors_configuration" not in only(resources(out, "aws_apigatewayv2_api"))


def test_cors_gives_the_api_its_configuration():
    # GIVEN an API whose browser app is on https://app.example.com, with credentials
    stack = new_stack()
    cors = HttpApiCors(
        allow_origins=["https://app.example.com"],
        allow_methods=["get", "POST"],
        expose_headers=["x-request-id"],
        max_age=600,
        allow_credentials=True,
    )
    LambdaHttpApi(stack, "Api", function=Function(stack, "Job", code=FIRST_CODE), routes=("GET /x",), cors=cors)
    # THEN the API's cors_configuration, methods upper-case, the default headers kept
    assert only(resources(synth(stack), "aws_apigatewayv2_api"))["cors_configuration"] == {
        "allow_origins": ["https://app.example.com"],
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["content-type", "authorization"],
        "expose_headers": ["x-request-id"],
        "max_age": 600,
        "allow_credentials": True,
    }


@pytest.mark.parametrize(
    ("cors", "message"),
    [
        (
            HttpApiCors(allow_origins=[]),
            "cors.allow_origins must be one or more origins such as 'https://app.example.com', 'https://*', "
            "'http://*' or '*'; got none",
        ),
        (
            HttpApiCors(allow_origins=["app.example.com"]),
            "cors.allow_origins must be one or more origins such as 'https://app.example.com', 'https://*', "
            "'http://*' or '*'; got ['app.example.com']",
        ),
        (
            HttpApiCors(allow_origins=["*"], allow_methods=["GET", "FETCH"]),
            "cors.allow_methods must be among GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, *; got ['FETCH']",
        ),
        (
            HttpApiCors(allow_origins=["*"], max_age=86401),
            "cors.max_age must be between -1 and 86400 seconds; got 86401",
        ),
    ],
)
def test_a_cors_configuration_the_api_refuses_is_refused_at_synth(cors, message):
    stack = new_stack()
    with pytest.raises(ConfigurationError) as caught:
        LambdaHttpApi(stack, "Api", function=Function(stack, "Job", code=FIRST_CODE), routes=("GET /x",), cors=cors)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"routes": ()}, "routes must be route keys like 'POST /jobs' or 'GET /jobs/{job_id}'; got none"),
        ({"routes": ("jobs",)}, "routes must be route keys like 'POST /jobs' or 'GET /jobs/{job_id}'; got ['jobs']"),
        ({"routes": ("GET /x",), "rate_limit": 0}, "rate_limit must be between 1 and 10000 requests per second; got 0"),
        ({"routes": ("GET /x",), "burst_limit": 9999}, "burst_limit must be between 1 and 5000 requests; got 9999"),
    ],
)
def test_bad_options_are_refused_naming_the_field(options, message):
    stack = new_stack()
    with pytest.raises(ConfigurationError) as caught:
        LambdaHttpApi(stack, "Api", function=Function(stack, "Job", code=FIRST_CODE), **options)
    assert str(caught.value) == message
