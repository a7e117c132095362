"""HTTP APIs (API Gateway v2) in front of functions, written with the provider classes alone.

- ``http-routes``: the routes of AWS's example in "Working with routes for HTTP APIs" (``GET
  /pets/dog/{id}``, ``GET /pets/{proxy+}``, ``ANY /{proxy+}``, ``$default``) and more (an exact
  route, a greedy route with more literal segments than a full match, a method beside ``ANY`` on one
  path, a payload 1.0 integration), all to Echo, which answers
  with its event or with what the request asks; Locked, which no permission lets API Gateway invoke,
  and Scoped, which a permission lets API Gateway invoke by ``GET /scoped`` only; ``POST /slow`` to
  Echo through an integration that waits 300 ms;
- ``http-jobs``: seed 001, a Node.js function that answers ``POST /triggerCustomEvent`` with 202 and
  goes on by invoking itself, recording each hop in DynamoDB; ``GET /jobs/{job_id}`` reads it;
- ``http-stages``: an API with named stages and no ``$default`` one: ``dev`` (stage variables, and
  ``GET /limited`` throttled to a burst of 2 and one request in 1,000 s) and ``prod``, Echo behind
  ``GET /hello`` and ``GET /limited`` (2.0) and ``GET /v1/hello`` (1.0), permitted from ``dev`` only;
- ``http-cors``: an API with a CORS configuration (one origin and any ``http://`` one, credentials,
  exposed headers, a max age) in front of Echo: ``GET /items``, ``POST /items`` and ``ANY /any/{proxy+}``;
- ``http-authorizers``: Lambda authorizers in front of Echo: ``GET /simple`` (Gatekeeper, 2.0 simple
  responses, the Authorization header, no caching), ``GET /cached`` (the same, cached 300 s), ``GET
  /policy`` (PolicyGate, 1.0 IAM policy, the ``key`` query parameter; Echo with payload 1.0) and ``GET
  /unpermitted`` (Doorman, which no permission lets API Gateway invoke).

Routes have no authorization: what these stacks test is routing and the integration, not SigV4.
"""

from __future__ import annotations

from cdktf import App, AssetType, Fn, TerraformAsset, TerraformStack
from cdktf_cdktf_provider_aws.apigatewayv2_api import Apigatewayv2Api, Apigatewayv2ApiCorsConfiguration
from cdktf_cdktf_provider_aws.apigatewayv2_authorizer import Apigatewayv2Authorizer
from cdktf_cdktf_provider_aws.apigatewayv2_integration import Apigatewayv2Integration
from cdktf_cdktf_provider_aws.apigatewayv2_route import Apigatewayv2Route
from cdktf_cdktf_provider_aws.apigatewayv2_stage import Apigatewayv2Stage, Apigatewayv2StageRouteSettings
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider

from tests.corpus.provider_classes import HANDLERS, TRUST

# The routes of http-routes, each to the integration named: Echo's payload 2.0 and 1.0, Locked's, Scoped's.
ROUTES = {
    "GET /pets/dog/1": "EchoV2",
    "GET /pets/dog/{id}": "EchoV2",
    "GET /pets/{proxy+}": "EchoV2",
    "ANY /{proxy+}": "EchoV2",
    "GET /files/{owner}/{name}": "EchoV2",
    "GET /files/shared/{proxy+}": "EchoV2",
    "GET /things/{id}": "EchoV2",
    "ANY /things/{id}": "EchoV2",
    "ANY /v1/{proxy+}": "EchoV1",
    "$default": "EchoV2",
    "GET /locked": "Locked",
    "GET /scoped": "Scoped",
    "POST /scoped": "Scoped",
    "POST /slow": "EchoImpatient",
}


class _HttpStack:
    """One stack: its provider, one role for its functions, and an HTTP API with its stages (``$default``)."""

    def __init__(
        self,
        app: App,
        name: str,
        stages: dict[str, dict[str, str]] | None = None,
        cors: Apigatewayv2ApiCorsConfiguration | None = None,
        route_settings: dict[str, list[Apigatewayv2StageRouteSettings]] | None = None,
    ) -> None:
        self.stack = TerraformStack(app, name)
        self.name = name
        AwsProvider(self.stack, "aws", region="eu-west-1")
        self.role = IamRole(self.stack, "Role", name=f"{name}-role", assume_role_policy=Fn.jsonencode(TRUST))
        self.api = Apigatewayv2Api(self.stack, "Api", name=name, protocol_type="HTTP", cors_configuration=cors)
        for index, (stage, variables) in enumerate((stages or {"$default": {}}).items()):
            Apigatewayv2Stage(
                self.stack,
                "Stage" if index == 0 else f"Stage{index}",
                api_id=self.api.id,
                name=stage,
                auto_deploy=True,
                stage_variables=variables or None,
                route_settings=(route_settings or {}).get(stage),
            )

    def function(self, id: str, handler: str, runtime: str, **options: object) -> LambdaFunction:
        code = TerraformAsset(self.stack, f"Code-{id}", path=str(HANDLERS / handler), type=AssetType.ARCHIVE)
        return LambdaFunction(
            self.stack,
            id,
            function_name=f"{self.name}-{id}",
            role=self.role.arn,
            handler="index.handler",
            runtime=runtime,
            timeout=30,  # what these stacks test is not a timeout
            filename=code.path,
            source_code_hash=code.asset_hash,
            **options,  # type: ignore[arg-type]
        )

    def integration(
        self, id: str, function: LambdaFunction, payload_format_version: str, timeout_milliseconds: int | None = None
    ) -> Apigatewayv2Integration:
        return Apigatewayv2Integration(
            self.stack,
            id,
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_uri=function.arn,
            payload_format_version=payload_format_version,
            timeout_milliseconds=timeout_milliseconds,
        )

    def routes(self, routes: dict[str, Apigatewayv2Integration]) -> None:
        for index, (route_key, integration) in enumerate(routes.items()):
            Apigatewayv2Route(
                self.stack,
                f"Route{index}",
                api_id=self.api.id,
                route_key=route_key,
                target=f"integrations/{integration.id}",
            )

    def permit(self, id: str, function: LambdaFunction, source: str) -> None:
        """A permission for API Gateway to invoke ``function`` from this API: ``source`` after its execution ARN."""
        LambdaPermission(
            self.stack,
            id,
            function_name=function.function_name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.api.execution_arn}/{source}",
        )


def http_routes(app: App) -> None:
    s = _HttpStack(app, "http-routes")
    echo = s.function("Echo", "http_echo", "python3.12")
    locked = s.function("Locked", "http_echo", "python3.12")
    scoped = s.function("Scoped", "http_echo", "python3.12")
    integrations = {
        "EchoV2": s.integration("EchoV2", echo, "2.0"),
        "EchoV1": s.integration("EchoV1", echo, "1.0"),
        "Locked": s.integration("LockedV2", locked, "2.0"),
        "Scoped": s.integration("ScopedV2", scoped, "2.0"),
        "EchoImpatient": s.integration("EchoImpatient", echo, "2.0", timeout_milliseconds=300),
    }
    s.routes({route_key: integrations[name] for route_key, name in ROUTES.items()})
    s.permit("EchoFromApi", echo, "*")
    s.permit("ScopedFromGet", scoped, "*/GET/scoped")


def http_jobs(app: App) -> None:
    s = _HttpStack(app, "http-jobs")
    table = DynamodbTable(
        s.stack,
        "JobTable",
        name="http-jobs-jobs",
        billing_mode="PAY_PER_REQUEST",
        hash_key="job",
        attribute=[DynamodbTableAttribute(name="job", type="S")],
    )
    jobs = s.function(
        "Jobs",
        "node_api_jobs",
        "nodejs20.x",
        environment=LambdaFunctionEnvironment(variables={"TABLE_NAME": table.name}),
    )
    IamRolePolicy(
        s.stack,
        "Grants",
        role=s.role.id,
        policy=Fn.jsonencode(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
                        "Resource": table.arn,
                    },
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": jobs.arn},
                ]
            }
        ),
    )
    integration = s.integration("JobsV2", jobs, "2.0")
    s.routes({key: integration for key in ("POST /triggerCustomEvent", "GET /jobs/{job_id}", "ANY /{proxy+}")})
    s.permit("JobsFromApi", jobs, "*")


def http_stages(app: App) -> None:
    limited = Apigatewayv2StageRouteSettings(
        route_key="GET /limited", throttling_burst_limit=2, throttling_rate_limit=0.001
    )
    s = _HttpStack(
        app,
        "http-stages",
        {"dev": {"color": "blue", "tier": "test"}, "prod": {}},
        route_settings={"dev": [limited]},
    )
    echo = s.function("Echo", "http_echo", "python3.12")
    v2 = s.integration("EchoV2", echo, "2.0")
    s.routes({"GET /hello": v2, "GET /limited": v2, "GET /v1/hello": s.integration("EchoV1", echo, "1.0")})
    s.permit("EchoFromDev", echo, "dev/*")


def http_cors(app: App) -> None:
    cors = Apigatewayv2ApiCorsConfiguration(
        allow_origins=["https://app.example.com", "http://*"],
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "x-api-key"],
        expose_headers=["x-request-id"],
        max_age=300,
        allow_credentials=True,
    )
    s = _HttpStack(app, "http-cors", cors=cors)
    echo = s.function("Echo", "http_echo", "python3.12")
    integration = s.integration("EchoV2", echo, "2.0")
    s.routes({key: integration for key in ("GET /items", "POST /items", "ANY /any/{proxy+}")})
    s.permit("EchoFromApi", echo, "*")


def http_authorizers(app: App) -> None:
    s = _HttpStack(app, "http-authorizers")
    echo = s.function("Echo", "http_echo", "python3.12")
    s.permit("EchoFromApi", echo, "*")
    gates = {}
    for id, handler, payload_format, sources, ttl in (
        ("Simple", "gatekeeper", "2.0", ["$request.header.Authorization"], 0),
        ("Cached", "gatekeeper", "2.0", ["$request.header.Authorization"], 300),
        ("Policy", "policy_gate", "1.0", ["$request.querystring.key"], 0),
        ("Unpermitted", "gatekeeper", "2.0", ["$request.header.Authorization"], 0),
    ):
        function = s.function(f"{id}Gate" if id != "Unpermitted" else "Doorman", handler, "python3.12")
        gates[id] = Apigatewayv2Authorizer(
            s.stack,
            f"{id}Authorizer",
            api_id=s.api.id,
            name=id.lower(),
            authorizer_type="REQUEST",
            authorizer_uri=function.invoke_arn,
            authorizer_payload_format_version=payload_format,
            enable_simple_responses=payload_format == "2.0" or None,
            identity_sources=sources,
            authorizer_result_ttl_in_seconds=ttl,
        )
        if id != "Unpermitted":
            s.permit(f"{id}FromApi", function, f"authorizers/{gates[id].id}")
    v2, v1 = s.integration("EchoV2", echo, "2.0"), s.integration("EchoV1", echo, "1.0")
    for index, (route_key, gate, integration) in enumerate(
        (
            ("GET /simple", "Simple", v2),
            ("GET /cached", "Cached", v2),
            ("GET /policy", "Policy", v1),
            ("GET /unpermitted", "Unpermitted", v2),
        )
    ):
        Apigatewayv2Route(
            s.stack,
            f"Route{index}",
            api_id=s.api.id,
            route_key=route_key,
            authorization_type="CUSTOM",
            authorizer_id=gates[gate].id,
            target=f"integrations/{integration.id}",
        )


def build(app: App) -> None:
    http_routes(app)
    http_jobs(app)
    http_stages(app)
    http_cors(app)
    http_authorizers(app)
