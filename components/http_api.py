"""An API Gateway HTTP API in front of one function, callable only with AWS credentials.

Creates (child ids in brackets): the API [Resource] (protocol HTTP), a Lambda proxy integration
[Integration] (payload format 2.0), one route per route key [Route<n>] with ``AWS_IAM``
authorization (requests must be signed with SigV4 by an identity allowed ``execute-api:Invoke``), the
``$default`` stage [Stage] deployed automatically, with throttling (``rate_limit`` requests per second,
``burst_limit``) and JSON access logs in a log group [AccessLogs] with retention, and the function's
permission [InvokePermission] for ``apigateway.amazonaws.com`` from this API's execution ARN only.

``cors`` (an ``HttpApiCors``) gives the API a CORS configuration: API Gateway then answers browsers'
preflights itself and adds the CORS headers to the function's responses ("Configure CORS for HTTP
APIs in API Gateway"); checked at synth as the API checks it (``MaxAge`` -1 to 86400, methods HTTP's
or ``*``, at least one origin).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.apigatewayv2_api import Apigatewayv2Api, Apigatewayv2ApiCorsConfiguration
from cdktf_cdktf_provider_aws.apigatewayv2_integration import Apigatewayv2Integration
from cdktf_cdktf_provider_aws.apigatewayv2_route import Apigatewayv2Route
from cdktf_cdktf_provider_aws.apigatewayv2_stage import (
    Apigatewayv2Stage,
    Apigatewayv2StageAccessLogSettings,
    Apigatewayv2StageDefaultRouteSettings,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from components.errors import ConfigurationError, require_int_in_range
from components.naming import NamedConstruct, physical_name

if TYPE_CHECKING:
    from components.function import Function

_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /[A-Za-z0-9_.{}/+-]*$")
# What the access log keeps per request; the caller is the signing identity's ARN.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.userArn",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationError": "$context.integrationErrorMessage",
    }
)


_CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*")
_ORIGIN = re.compile(r"^(\*|https?://\*|https?://[^/\s*]+)$")


@dataclass(frozen=True)
class HttpApiCors:
    """An HTTP API's CORS configuration: the origins, methods and headers browsers may use."""

    allow_origins: Sequence[str]
    allow_methods: Sequence[str] = ("GET", "POST")
    allow_headers: Sequence[str] = ("content-type", "authorization")
    expose_headers: Sequence[str] = ()
    max_age: int = 300
    allow_credentials: bool = False

    def configuration(self) -> Apigatewayv2ApiCorsConfiguration:
        """The API's cors_configuration; ConfigurationError naming the field for what the API refuses."""
        origins = list(self.allow_origins)
        if not origins or any(not isinstance(o, str) or not _ORIGIN.match(o) for o in origins):
            raise ConfigurationError(
                "cors.allow_origins must be one or more origins such as 'https://app.example.com', "
                f"'https://*', 'http://*' or '*'; got {origins or 'none'}"
            )
        methods = [m.upper() if isinstance(m, str) else m for m in self.allow_methods]
        bad = [m for m in methods if m not in _CORS_METHODS]
        if not methods or bad:
            raise ConfigurationError(
                f"cors.allow_methods must be among {', '.join(_CORS_METHODS)}; got {bad or 'none'}"
            )
        require_int_in_range("cors.max_age", self.max_age, -1, 86400, "seconds")
        return Apigatewayv2ApiCorsConfiguration(
            allow_origins=origins,
            allow_methods=methods,
            allow_headers=list(self.allow_headers) or None,
            expose_headers=list(self.expose_headers) or None,
            max_age=self.max_age,
            allow_credentials=self.allow_credentials or None,
        )


class LambdaHttpApi(NamedConstruct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: Function,
        routes: Sequence[str],
        rate_limit: int = 10,
        burst_limit: int = 20,
        log_retention_days: int = 14,
        cors: HttpApiCors | None = None,
    ) -> None:
        bad = [route for route in routes if not isinstance(route, str) or not _ROUTE.match(route)]
        if not routes or bad:
            raise ConfigurationError(
                f"routes must be route keys like 'POST /jobs' or 'GET /jobs/{{job_id}}'; got {bad or 'none'}"
            )
        require_int_in_range("rate_limit", rate_limit, 1, 10000, "requests per second")
        require_int_in_range("burst_limit", burst_limit, 1, 5000, "requests")
        cors_configuration = cors.configuration() if cors is not None else None
        super().__init__(scope, id)
        name = physical_name(self, max_length=128, what="API name")
        self.resource = Apigatewayv2Api(
            self, "Resource", name=name, protocol_type="HTTP", cors_configuration=cors_configuration
        )
        integration = Apigatewayv2Integration(
            self,
            "Integration",
            api_id=self.resource.id,
            integration_type="AWS_PROXY",
            integration_uri=function.arn,
            payload_format_version="2.0",
        )
        self.routes = [
            Apigatewayv2Route(
                self,
                f"Route{index}",
                api_id=self.resource.id,
                route_key=route,
                authorization_type="AWS_IAM",
                target=f"integrations/{integration.id}",
            )
            for index, route in enumerate(routes)
        ]
        self.access_logs = CloudwatchLogGroup(
            self, "AccessLogs", name=f"/aws/apigateway/{name}", retention_in_days=log_retention_days
        )
        self.stage = Apigatewayv2Stage(
            self,
            "Stage",
            api_id=self.resource.id,
            name="$default",
            auto_deploy=True,
            default_route_settings=Apigatewayv2StageDefaultRouteSettings(
                throttling_rate_limit=rate_limit, throttling_burst_limit=burst_limit
            ),
            access_log_settings=Apigatewayv2StageAccessLogSettings(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
        )
        self.permission = LambdaPermission(
            self,
            "InvokePermission",
            # Named, not generated: a deploy killed after creating it can adopt it (tools/state.py recover).
            statement_id=physical_name(self, "invoke", max_length=100, what="Lambda permission statement id"),
            action="lambda:InvokeFunction",
            function_name=function.arn,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.resource.execution_arn}/*",
        )

    @functools.cached_property
    def url(self) -> str:
        """The API's base URL (the ``$default`` stage)."""
        return self.resource.api_endpoint
