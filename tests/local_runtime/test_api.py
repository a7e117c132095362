"""lambda-local api: an HTTP API answered as API Gateway answers it, on the corpus stacks written for it.

The stacks are ``tests/corpus/provider_classes/http_apis.py``: ``http-routes`` (AWS's routing example and
more, a payload 1.0 integration, functions with and without API Gateway's permission), ``http-jobs``
(seed 001: a Node.js function that answers 202 and goes on by invoking itself), ``http-stages``
(named stages, one with stage variables), ``http-cors`` (a CORS configuration) and ``http-authorizers``
(Lambda authorizers). Servers listen on
127.0.0.1 only, on a free port, and each test's server is stopped when it ends.

Where a test compares with real AWS, the excerpt it compares with is kept here as data, with its
LocalStack snapshot file and key (``RECORDINGS``: the commit all excerpts come from). No real HTTP API
(apigatewayv2) response was ever recorded there: the payload 2.0 answers are a Lambda function URL's
(the same mapping), the 1.0 ones a REST API's proxy integration (the event HTTP APIs send as 1.0).
"""

from __future__ import annotations

import base64
import dataclasses
import errno
import http.client
import io
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_runtime import authorizers
from local_runtime.api import UNAVAILABLE, ApiServer, EngineWorker, LocalApi, RouteTable, chosen_api, server
from local_runtime.cli import main
from local_runtime.engine import Engine
from local_runtime.engine.clock import Clock
from local_runtime.errors import StackFileError
from local_runtime.model import load_stack, stack_file
from local_runtime.model.records import Authorizer, Ref, Throttle
from local_runtime.throttling import TokenBuckets
from tests.support import UUID4

RECORDINGS = "localstack/localstack at 8b9a79f05846835cf4dff63ab7eefdde9df83783"
LAMBDA_SNAPSHOTS = "tests/aws/services/lambda_/test_lambda.snapshot.json"
APIGW_SNAPSHOTS = "tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json"
INTERNAL_ERROR = {"message": "Internal Server Error"}
WAIT_S = 60  # the bound on every wait for the background work: far more than it takes


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Plain HTTP/1.1 requests to one local API: every header sent as given, duplicates included."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, target: str, body: Any = None, headers: list[tuple[str, str]] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_S)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers or []:
                connection.putheader(name, value)
            data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            if data is not None:
                connection.putheader("content-length", str(len(data)))
            connection.endheaders(data)
            response = connection.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def respond(self, value: Any, target: str = "/respond") -> Answer:
        """What API Gateway makes of Echo answering ``value`` (Echo returns the body's ``respond``)."""
        return self.call("POST", target, {"respond": value})


@contextmanager
def serving(stack: Any) -> Iterator[tuple[LocalApi, Client]]:
    """``stack``'s API on a free loopback port; the server, its background work and the engine stopped after."""
    with Engine(stack) as engine:
        api = LocalApi(stack, engine, {}, out=io.StringIO())
        httpd = server(api)
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield api, Client(httpd.server_port)
        finally:
            httpd.shutdown()
            thread.join(timeout=WAIT_S)
            httpd.server_close()


@pytest.fixture(scope="module")
def routes_stack(provider_classes_outdir):
    return load_stack(stack_file(provider_classes_outdir, "http-routes"))


@pytest.fixture(scope="module")
def jobs_stack(provider_classes_outdir):
    return load_stack(stack_file(provider_classes_outdir, "http-jobs"))


@pytest.fixture(scope="module")
def routes(routes_stack):
    with serving(routes_stack) as (_, client):
        yield client


# --- route selection ------------------------------------------------------------------------------------

# "Working with routes for HTTP APIs", "Routing API requests": its example's routes are in http-routes,
# with an exact route, GET and ANY on one path, and $default beside them.
ROUTING = [
    # the page's table: the full match, then GET's greedy route, then ANY's greedy route
    ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
    ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
    ("POST", "/test/5", "ANY /{proxy+}", {"proxy": "test/5"}),
    # an exact route beats a path variable and a greedy one that match too
    ("GET", "/pets/dog/1", "GET /pets/dog/1", None),
    # a full match beats a greedy route, even one with more literal segments
    ("GET", "/files/shared/readme", "GET /files/{owner}/{name}", {"owner": "shared", "name": "readme"}),
    ("GET", "/files/shared/docs/readme", "GET /files/shared/{proxy+}", {"proxy": "docs/readme"}),
    # a method the greedy GET route does not take falls to ANY's
    ("POST", "/pets/cat/1", "ANY /{proxy+}", {"proxy": "pets/cat/1"}),
    # on one path, the request's method beats ANY; ANY takes the methods not defined there
    ("GET", "/things/7", "GET /things/{id}", {"id": "7"}),
    ("DELETE", "/things/7", "ANY /things/{id}", {"id": "7"}),
    # $default takes what no route takes ({proxy+} needs at least one character)
    ("GET", "/", "$default", None),
]


@pytest.mark.parametrize(("method", "path", "route_key", "parameters"), ROUTING)
def test_a_request_reaches_the_route_api_gateway_picks(routes, method, path, route_key, parameters):
    # WHEN the request is sent THEN Echo's event names the route that matched, its parameters and the path
    event = routes.call(method, path).json()
    assert (event["routeKey"], event["requestContext"]["routeKey"]) == (route_key, route_key)
    assert (event.get("pathParameters"), event["rawPath"], event["requestContext"]["http"]["path"]) == (
        parameters,
        path,
        path,
    )


def test_the_choice_does_not_depend_on_the_order_routes_are_written_in(routes_stack):
    # GIVEN the routes in the file's order and reversed
    written = routes_stack.apis[0].routes
    for table in (RouteTable(written), RouteTable(reversed(written))):
        # THEN each request gets the same route
        chosen = [table.select(method, path) for method, path, _, _ in ROUTING]
        assert [c[0].route_key if c else None for c in chosen] == [key for _, _, key, _ in ROUTING]


def test_path_parameters_are_decoded_and_the_raw_path_is_not(routes):
    event = routes.call("GET", "/pets/dog/a%20b").json()
    # "API Gateway decodes URL-encoded request parameters before passing them to your backend integration"
    assert (event["routeKey"], event["pathParameters"], event["rawPath"]) == (
        "GET /pets/dog/{id}",
        {"id": "a b"},
        "/pets/dog/a%20b",
    )


def test_only_a_request_no_route_takes_without_a_default_route_is_api_gateways_404(jobs_stack):
    with serving(jobs_stack) as (_, client):
        # GIVEN http-jobs: no $default route; ANY /{proxy+} to a function answering {"statusCode": 404}
        # WHEN / is asked (no route takes it) THEN API Gateway answers its own 404
        nothing = client.call("GET", "/")
        assert (nothing.status, nothing.json(), nothing.header("content-type")) == (
            404,
            {"message": "Not Found"},
            "application/json",
        )
        # WHEN a path ANY /{proxy+} takes is asked THEN the function answers: its own 404, empty
        unknown = client.call("GET", "/nothing/here")
        assert (unknown.status, unknown.body) == (404, b"")


# --- payload format 2.0 ---------------------------------------------------------------------------------

# LAMBDA_SNAPSHOTS, key "test_lambda.py::TestLambdaURL::test_lambda_url_echo_http_fixture_default": a
# function URL (payload 2.0) echoing fields of its event for POST /pa2%Fth/1?q=query&multiQuery=foo&
# multiQuery=%2Fbar with "ExTrA-HeadErs: With WeiRd CapS" and the JSON body {"foo": "bar"} (recorded 2025-11-24).
RECORDED_ECHO = {
    "args": {"multiQuery": "foo,/bar", "q": "query"},  # event.queryStringParameters
    "data": {"foo": "bar"},  # event.body, a JSON string on the wire
    "headers": {"content-type": "application/json", "extra-headers": "With WeiRd CapS", "user-agent": "test/echo"},
    "method": "POST",  # event.requestContext.http.method
    "path": "/pa2%Fth/1",  # event.requestContext.http.path
}


def test_a_payload_2_0_event_has_the_recorded_fields_and_the_documented_keys(routes):
    # GIVEN the recorded request, with two cookies
    answer = routes.call(
        "POST",
        "/pa2%Fth/1?q=query&multiQuery=foo&multiQuery=%2Fbar",
        {"foo": "bar"},
        [
            ("content-type", "application/json"),
            ("ExTrA-HeadErs", "With WeiRd CapS"),
            ("user-agent", "test/echo"),
            ("cookie", "theme=dark; session=abc"),
        ],
    )
    event = answer.json()
    # THEN the fields the recording holds are as recorded
    context = event["requestContext"]
    assert {
        "args": event["queryStringParameters"],
        "data": json.loads(event["body"]),
        "headers": {k: event["headers"][k] for k in RECORDED_ECHO["headers"]},
        "method": context["http"]["method"],
        "path": context["http"]["path"],
    } == RECORDED_ECHO
    # AND the event has the keys of the documented 2.0 event ("Working with AWS Lambda proxy integrations for
    # HTTP APIs"), but stageVariables (none) and authorizer (no authorization)
    assert list(event) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "requestContext",
        "body",
        "pathParameters",
        "isBase64Encoded",
    ]
    assert (event["version"], event["routeKey"], event["rawQueryString"], event["isBase64Encoded"]) == (
        "2.0",
        "ANY /{proxy+}",
        "q=query&multiQuery=foo&multiQuery=%2Fbar",
        False,
    )
    # AND cookies move from the header to "cookies"; header names are lower-case
    assert event["cookies"] == ["theme=dark", "session=abc"] and "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert sorted(context) == [
        "accountId",
        "apiId",
        "domainName",
        "domainPrefix",
        "http",
        "requestId",
        "routeKey",
        "stage",
        "time",
        "timeEpoch",
    ]
    assert (context["accountId"], context["stage"], context["http"]["protocol"]) == (
        "123456789012",
        "$default",
        "HTTP/1.1",
    )
    assert UUID4.fullmatch(context["requestId"])
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)


def test_duplicate_headers_are_joined_with_commas_in_2_0(routes):
    event = routes.call("GET", "/pets/dog/1", headers=[("x-tag", "a"), ("x-tag", "b")]).json()
    assert event["headers"]["x-tag"] == "a,b"


# --- payload format 1.0 ---------------------------------------------------------------------------------

# APIGW_SNAPSHOTS, key "test_apigateway_lambda.py::test_lambda_aws_proxy_integration": a REST API proxy
# event (the 1.0 format, without "version") for a route /{proxy+} (recorded 2024-08-02).
RECORDED_V1_KEYS = [
    "body",
    "headers",
    "httpMethod",
    "isBase64Encoded",
    "multiValueHeaders",
    "multiValueQueryStringParameters",
    "path",
    "pathParameters",
    "queryStringParameters",
    "requestContext",
    "resource",
    "stageVariables",
]
RECORDED_V1_CONTEXT_KEYS = [
    "accountId",
    "apiId",
    "deploymentId",  # REST APIs' deployments; an HTTP API's 1.0 event has none (AWS's documented example)
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
]
RECORDED_V1_IDENTITY = {
    "accessKey": None,
    "accountId": None,
    "caller": None,
    "cognitoAuthenticationProvider": None,
    "cognitoAuthenticationType": None,
    "cognitoIdentityId": None,
    "cognitoIdentityPoolId": None,
    "principalOrgId": None,
    "sourceIp": "<source-ip:1>",
    "user": None,
    "userAgent": "python-requests/testing",
    "userArn": None,
}
# Key "invocation-payload-without-trailing-slash": GET /proxy-value
RECORDED_V1_BARE = {
    "body": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": {"proxy": "proxy-value"},
    "queryStringParameters": None,
    "stageVariables": None,
}
# Key "invocation-payload-without-trailing-slash-and-query-params": GET /proxy-value?urlparam=test
RECORDED_V1_GET = {
    "body": None,
    "httpMethod": "GET",
    "isBase64Encoded": False,
    "multiValueQueryStringParameters": {"urlparam": ["test"]},
    "pathParameters": {"proxy": "proxy-value"},
    "queryStringParameters": {"urlparam": "test"},
    "stageVariables": None,
}
# Key "invocation-payload-with-params-encoding-multi": POST /proxy-value?category=electronics&category=books
# &price=10&price=20&price=30 with the JSON body {"message": "hello world"}
RECORDED_V1_POST = {
    "body": {"message": "hello world"},  # a JSON string on the wire
    "httpMethod": "POST",
    "multiValueQueryStringParameters": {"category": ["electronics", "books"], "price": ["10", "20", "30"]},
    "queryStringParameters": {"category": "books", "price": "30"},  # the last value of each
}


def test_a_payload_1_0_event_has_the_recorded_keys_and_values(routes):
    # GIVEN ANY /v1/{proxy+}, whose integration says payload_format_version 1.0
    # WHEN the recorded GET is sent under /v1
    event = routes.call(
        "GET",
        "/v1/proxy-value?urlparam=test",
        headers=[("tEsT-HEADeR", "aValUE"), ("user-agent", "python-requests/testing")],
    ).json()
    # THEN it has the recorded keys, and "version" 1.0
    assert sorted(event) == sorted([*RECORDED_V1_KEYS, "version"]) and event["version"] == "1.0"
    assert {k: event[k] for k in RECORDED_V1_GET} == RECORDED_V1_GET
    assert (event["resource"], event["path"]) == ("/v1/{proxy+}", "/v1/proxy-value")
    context = event["requestContext"]
    assert sorted(context) == [k for k in RECORDED_V1_CONTEXT_KEYS if k != "deploymentId"]
    assert {**context["identity"], "sourceIp": "<source-ip:1>"} == RECORDED_V1_IDENTITY
    assert (context["httpMethod"], context["resourcePath"], context["path"], context["stage"]) == (
        "GET",
        "/v1/{proxy+}",
        "/v1/proxy-value",
        "$default",
    )
    assert UUID4.fullmatch(context["requestId"]) and isinstance(context["requestTimeEpoch"], int)
    # AND header names are lower-case, as the HTTP API page says ("All header names are lowercase"; a REST
    # API keeps the client's tEsT-HEADeR), with every value in multiValueHeaders
    assert (event["headers"]["test-header"], event["multiValueHeaders"]["test-header"]) == ("aValUE", ["aValUE"])


def test_a_payload_1_0_event_says_null_for_what_the_request_has_not(routes):
    event = routes.call("GET", "/v1/proxy-value").json()
    assert {k: event[k] for k in RECORDED_V1_BARE} == RECORDED_V1_BARE


def test_a_payload_1_0_event_keeps_every_value_of_a_repeated_query_parameter(routes):
    event = routes.call(
        "POST",
        "/v1/proxy-value?category=electronics&category=books&price=10&price=20&price=30",
        {"message": "hello world"},
    ).json()
    assert {**{k: event[k] for k in RECORDED_V1_POST}, "body": json.loads(event["body"])} == RECORDED_V1_POST


# --- responses, payload format 2.0 ----------------------------------------------------------------------

# LAMBDA_SNAPSHOTS, keys "test_lambda.py::TestLambdaURL::test_lambda_url_invocation[<case>]" (recorded
# 2025-11-24): what a function URL sent for each value its handler returned: status, Content-Type, body.
RECORDED_V2_RESPONSES = {
    "dict": ({"hello": "world"}, 200, "application/json", b'{"hello":"world"}'),
    "string": ("hello", 200, "application/json", b"hello"),
    "integer": (3, 200, "application/json", b"3"),
    "float": (3.1, 200, "application/json", b"3.1"),
    "boolean": (True, 200, "application/json", b"true"),
    "list-mixed": (["hello", 3, True], 200, "application/json", b'["hello",3,true]'),
    "http-response": ({"statusCode": 200, "body": "body123"}, 200, "application/json", b"body123"),
    "http-response-json": (
        {"statusCode": 200, "body": '{"hello": "world"}'},
        200,
        "application/json",
        b'{"hello": "world"}',
    ),
}


@pytest.mark.parametrize("case", RECORDED_V2_RESPONSES)
def test_a_payload_2_0_answer_becomes_the_recorded_response(routes, case):
    returned, status, content_type, body = RECORDED_V2_RESPONSES[case]
    answer = routes.respond(returned)
    assert (answer.status, answer.header("content-type"), answer.body) == (status, content_type, body)
    assert answer.header("content-length") == str(len(body))


def test_a_payload_2_0_answer_names_its_status_headers_cookies_and_base64_body(routes):
    # GIVEN what test_lambda_url_headers_and_status asserted against AWS (not snapshotted) and the documented
    # cookies and isBase64Encoded
    custom = routes.respond(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "My-Custom-Header": "Custom Value"},
            "body": '{"message": "hello-world"}',
            "isBase64Encoded": False,
        }
    )
    assert (custom.status, custom.header("my-custom-header"), custom.json()) == (
        201,
        "Custom Value",
        {"message": "hello-world"},
    )
    teapot = routes.respond({"statusCode": "418", "body": "i'm a teapot"})
    assert (teapot.status, teapot.body) == (418, b"i'm a teapot")
    cookies = routes.respond({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "x"})
    assert [v for n, v in cookies.headers if n.lower() == "set-cookie"] == ["a=1; Path=/", "b=2"]
    binary = routes.respond(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    assert binary.body == b"\x00\xff"


def test_a_payload_2_0_answer_with_a_status_that_is_none_is_api_gateways_500(routes):
    answer = routes.respond({"statusCode": "test"})
    assert (answer.status, answer.json()) == (500, INTERNAL_ERROR)


# --- responses, payload format 1.0 ----------------------------------------------------------------------

# APIGW_SNAPSHOTS, key "test_apigateway_lambda.py::test_aws_proxy_response_payload_format_validation"
# (recorded 2024-11-15): a REST proxy integration's reading of each answer, the status asserted by the test.
# REST APIs answer a malformed one 502 {"message": "Internal server error"}; HTTP APIs answer their integration
# errors 500 {"message":"Internal Server Error"}: MALFORMED marks the answers real AWS refused.
MALFORMED = None
RECORDED_V1_RESPONSES = {
    "invoke-api-no-body": ({"statusCode": 200}, 200, {}),
    "invoke-api-with-headers": (
        {"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}},
        200,
        {"test-header": "value", "header-bool": "true", "Content-Type": "application/json"},
    ),
    "invoke-api-with-headers-null": ({"statusCode": 200, "headers": None}, 200, {}),
    "invoke-api-wrong-format": ({"statusCode": 200, "wrongValue": "value"}, MALFORMED, {}),
    "invoke-api-empty-response": ({}, MALFORMED, {}),
    "invoke-api-multi-headers-valid": (
        {"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}},
        200,
        {"test-multi": "value1, value2"},
    ),
    "invoke-api-multi-headers-overwrite": (
        {
            "statusCode": 200,
            "multiValueHeaders": {"test-multi": ["value-multi"]},
            "headers": {"test-multi": "value-solo"},
        },
        200,
        {"test-multi": "value-multi, value-solo"},
    ),
    "invoke-api-multi-headers-overwrite-casing": (
        {
            "statusCode": 200,
            "multiValueHeaders": {"tesT-Multi": ["value-multi"]},
            "headers": {"test-multi": "value-solo"},
        },
        200,
        {"tesT-Multi": "value-multi, value-solo"},
    ),
    "invoke-api-multi-headers-invalid": (
        {"statusCode": 200, "multiValueHeaders": {"test-multi": "value1"}},
        MALFORMED,
        {},
    ),
    "invoke-api-invalid-status-code": ({"statusCode": "test"}, MALFORMED, {}),
    "invoke-api-status-code-str": ({"statusCode": "201"}, 201, {}),
    "invoke-api-just-string": ("justAString", MALFORMED, {}),
    "invoke-api-only-headers": ({"headers": {"test-header": "value"}}, 200, {"test-header": "value"}),
}


@pytest.mark.parametrize("key", RECORDED_V1_RESPONSES)
def test_a_payload_1_0_answer_is_read_as_the_recording_reads_it(routes, key):
    returned, status, headers = RECORDED_V1_RESPONSES[key]
    # WHEN Echo, behind the 1.0 integration, answers what the recorded function answered
    answer = routes.respond(returned, target="/v1/respond")
    if status is MALFORMED:
        # THEN an answer real AWS refused is API Gateway's error (an HTTP API's)
        assert (answer.status, answer.json()) == (500, INTERNAL_ERROR)
    else:
        # THEN the status is the recorded one, the body empty, and each recorded header one line with the
        # recorded value, the function's names spelled as recorded (HTTP names Content-Type in any case)
        assert (answer.status, answer.body) == (status, b"")
        for name, value in headers.items():
            lines = [(n, v) for n, v in answer.headers if n.lower() == name.lower()]
            assert [v for _, v in lines] == [value]
            assert name == "Content-Type" or lines[0][0] == name


def test_a_payload_1_0_body_must_be_a_string_and_base64_is_decoded(routes):
    assert routes.respond({"statusCode": 200, "body": {"hey": "dude"}}, target="/v1/respond").status == 500
    decoded = routes.respond({"body": base64.b64encode(b"test-data").decode(), "isBase64Encoded": True}, "/v1/respond")
    # A REST API without binary media types returned "dGVzdC1kYXRh" as is (invoke-api-b64-encoded-true);
    # HTTP APIs have no binary media types and decode it
    assert (decoded.status, decoded.body) == (200, b"test-data")


# --- API Gateway's permission ---------------------------------------------------------------------------


def test_a_function_api_gateway_may_not_invoke_from_the_route_is_a_500(routes):
    # GIVEN Locked without any permission, and Scoped permitted from <execution arn>/*/GET/scoped only
    # WHEN each is asked THEN only the route a permission covers reaches its function
    locked, allowed, refused = (
        routes.call("GET", "/locked"),
        routes.call("GET", "/scoped"),
        routes.call("POST", "/scoped"),
    )
    assert (locked.status, locked.json()) == (500, INTERNAL_ERROR)
    assert (allowed.status, allowed.json()["routeKey"]) == (200, "GET /scoped")
    assert (refused.status, refused.json()) == (500, INTERNAL_ERROR)


def test_the_source_arn_is_the_routes_own_as_the_verifier_forms_it(routes_stack):
    with Engine(routes_stack) as engine, LocalApi(routes_stack, engine, {}) as api:
        (scoped_post,) = [r for r in api.api.routes if r.route_key == "POST /scoped"]
        (default,) = [r for r in api.api.routes if r.route_key == "$default"]
        base = api.api.execution_arn
        assert re.fullmatch(r"arn:aws:execute-api:eu-west-1:123456789012:\w+", base)
        assert (api.source_arn(scoped_post), api.source_arn(default)) == (
            f"{base}/$default/POST/scoped",
            f"{base}/$default/$default",
        )


def test_a_function_slower_than_the_integrations_timeout_is_a_503_and_runs_on(routes_stack):
    # GIVEN POST /slow, whose integration waits 300 ms (timeout_milliseconds), to Echo
    with serving(routes_stack) as (api, client):
        # WHEN Echo takes 1.5 s to answer
        answer = client.call("POST", "/slow", {"respond": {"statusCode": 200, "body": "late"}, "sleep": 1.5})
        # THEN API Gateway's 503, and the function still runs to its end
        assert (answer.status, answer.json()) == (503, {"message": "Service Unavailable"})
        assert api.wait_idle(WAIT_S)
        (invocation,) = api.engine.run.invocations
        assert (invocation["status"], invocation["result"]["body"]) == ("success", "late")


def test_a_stack_with_several_apis_serves_the_one_named_by_construct_path_or_logical_id(routes_stack, jobs_stack):
    # GIVEN a stack with two HTTP APIs (http-routes' and http-jobs', the second at Jobs/Api)
    (first,) = routes_stack.apis
    second = dataclasses.replace(jobs_stack.apis[0], ref=Ref("aws_apigatewayv2_api", "JobsApi1234", "Jobs/Api"))
    both = dataclasses.replace(routes_stack, apis=(first, second))
    # THEN the first is served when none is named, another by its construct path or logical id
    assert chosen_api(both, None) is first
    assert chosen_api(both, second.path) is second
    assert chosen_api(both, second.ref.logical_id) is second
    # AND a name that is none of them is refused naming those there are
    with pytest.raises(StackFileError) as caught:
        chosen_api(both, "Nope")
    assert str(caught.value) == f"stack http-routes has no HTTP API 'Nope'; choose from {first.path}, {second.path}"


def test_the_command_refuses_an_api_the_stack_does_not_have_in_one_line(provider_classes_outdir):
    code, out, err = lambda_local("api", "http-routes", "--outdir", provider_classes_outdir, "--api", "Nope")
    assert (code, out) == (2, "")
    assert err == "error: stack http-routes has no HTTP API 'Nope'; choose from Api\n"


# --- stages -----------------------------------------------------------------------------------------------
# "Working with stages for HTTP APIs": $default is served at the API's root, a named stage under its name.
# A named stage stays in the paths the function gets (rawPath and http.path; 1.0's path): AWS's events
# as users reported them (logandk/serverless-wsgi#191: rawPath "/dev/agents/1234" for routeKey
# "ANY /agents/{proxy+}"; aws-powertools/powertools-lambda-python#621; dougmoscrop/serverless-http#143).


@pytest.fixture(scope="module")
def stages(provider_classes_outdir):
    stack = load_stack(stack_file(provider_classes_outdir, "http-stages"))
    with serving(stack) as (_, client):
        yield client


def test_a_named_stage_is_served_under_its_name_and_stays_in_the_events_paths(stages):
    # GIVEN http-stages: stages dev (variables color and tier) and prod, no $default; GET /hello (2.0)
    # WHEN GET /dev/hello
    event = stages.call("GET", "/dev/hello?x=1").json()
    # THEN the route is GET /hello, the paths keep the stage, and the stage and its variables are named
    assert (event["routeKey"], event["rawPath"], event["requestContext"]["http"]["path"]) == (
        "GET /hello",
        "/dev/hello",
        "/dev/hello",
    )
    assert event["requestContext"]["stage"] == "dev"
    assert event["stageVariables"] == {"color": "blue", "tier": "test"}


def test_a_payload_1_0_event_names_the_stage_its_variables_and_the_resource_without_it(stages):
    event = stages.call("GET", "/dev/v1/hello").json()
    context = event["requestContext"]
    assert (event["resource"], event["path"], context["resourcePath"], context["path"], context["stage"]) == (
        "/v1/hello",
        "/dev/v1/hello",
        "/v1/hello",
        "/dev/v1/hello",
        "dev",
    )
    assert event["stageVariables"] == {"color": "blue", "tier": "test"}


def test_without_a_default_stage_a_path_outside_every_stage_is_not_found(stages):
    # WHEN GET /hello, which no stage serves (there is no $default stage), and a stage's unknown route
    missing, unknown = stages.call("GET", "/hello"), stages.call("GET", "/dev/nothing")
    # THEN API Gateway's 404 both times
    assert (missing.status, missing.json()) == (404, {"message": "Not Found"})
    assert (unknown.status, unknown.json()) == (404, {"message": "Not Found"})


def test_the_permission_is_checked_for_the_stage_the_request_came_through(stages):
    # GIVEN Echo permitted from <execution arn>/dev/* only
    # WHEN the same route is asked through prod THEN API Gateway may not invoke it: 500
    prod = stages.call("GET", "/prod/hello")
    assert (prod.status, prod.json()) == (500, INTERNAL_ERROR)
    assert stages.call("GET", "/dev/hello").status == 200


def test_a_route_over_its_stages_throttling_is_429_and_others_are_not_counted(stages):
    # GIVEN GET /limited in dev: a burst of 2, then one request per 1,000 s; GET /hello not throttled
    statuses = [stages.call("GET", "/dev/limited").status for _ in range(3)]
    other = stages.call("GET", "/dev/hello")
    # THEN the third is API Gateway's 429; another route is not counted against it
    assert statuses == [200, 200, 429]
    assert stages.call("GET", "/dev/limited").json() == {"message": "Too Many Requests"}
    assert other.status == 200


def test_a_token_bucket_holds_its_burst_and_refills_at_its_rate():
    now = [0.0]
    buckets = TokenBuckets(clock=lambda: now[0])
    limit = Throttle(rate=1.0, burst=2)
    taken = [buckets.take("route", limit) for _ in range(3)]
    now[0] = 0.5
    half = buckets.take("route", limit)
    now[0] = 1.0
    refilled = buckets.take("route", limit)
    assert (taken, half, refilled) == ([True, True, False], False, True)
    assert buckets.take("another route", limit) is True


# --- CORS -------------------------------------------------------------------------------------------------
# "Configure CORS for HTTP APIs in API Gateway"; what the page leaves open is chosen in local_runtime/cors.py.
# http-cors allows https://app.example.com and any http:// origin, GET and POST, two headers, credentials,
# exposes x-request-id, max age 300.

APP = "https://app.example.com"


@pytest.fixture(scope="module")
def cors_api(provider_classes_outdir):
    stack = load_stack(stack_file(provider_classes_outdir, "http-cors"))
    with serving(stack) as (_, client):
        yield client


def preflight(client, path, origin, method="POST"):
    return client.call("OPTIONS", path, headers=[("Origin", origin), ("Access-Control-Request-Method", method)])


def cors_headers(answer):
    return {n.lower(): v for n, v in answer.headers if n.lower().startswith("access-control-")}


def test_a_preflight_is_answered_by_api_gateway_with_the_configured_headers(cors_api):
    # WHEN a browser at the allowed origin asks whether it may POST /items (no OPTIONS route exists)
    answer = preflight(cors_api, "/items", APP)
    # THEN API Gateway answers itself, 204, with the configuration
    assert (answer.status, answer.body) == (204, b"")
    assert cors_headers(answer) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,x-api-key",
        "access-control-max-age": "300",
    }


def test_a_scheme_wildcard_allows_any_origin_of_that_scheme_and_no_other(cors_api):
    # GIVEN http://* among the allowed origins
    local, other = preflight(cors_api, "/items", "http://localhost:3000"), preflight(cors_api, "/items", APP + ".evil")
    # THEN an http:// origin is echoed; an https:// one not listed gets the 204 without any CORS header
    assert cors_headers(local)["access-control-allow-origin"] == "http://localhost:3000"
    assert (other.status, cors_headers(other)) == (204, {})


def test_a_preflight_for_a_path_without_routes_is_answered_too(cors_api):
    # "even if there isn't an OPTIONS route configured"
    answer = preflight(cors_api, "/nowhere", APP, "GET")
    assert answer.status == 204 and cors_headers(answer)["access-control-allow-origin"] == APP


def test_a_preflight_a_route_takes_goes_to_its_function(cors_api):
    # GIVEN ANY /any/{proxy+}, which takes OPTIONS too
    answer = preflight(cors_api, "/any/thing", APP)
    # THEN the function answers it (Echo's event), with the configured CORS headers added
    assert (answer.status, answer.json()["routeKey"]) == (200, "ANY /any/{proxy+}")
    assert cors_headers(answer) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id",
    }


def test_a_response_gets_the_configured_cors_headers_in_place_of_the_integrations(cors_api):
    # GIVEN Echo answering with a CORS header of its own
    own = {"statusCode": 200, "headers": {"access-control-allow-origin": "*", "x-request-id": "r-1"}, "body": "ok"}
    # WHEN the allowed origin POSTs, and a client without an Origin does the same
    browser = cors_api.call("POST", "/items", {"respond": own}, headers=[("Origin", APP)])
    plain = cors_api.call("POST", "/items", {"respond": own})
    # THEN the integration's CORS header is dropped and the configured ones are added for the origin
    assert (browser.status, browser.body, browser.header("x-request-id")) == (200, b"ok", "r-1")
    assert cors_headers(browser) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id",
    }
    assert (plain.status, cors_headers(plain)) == (200, {})


def test_without_a_cors_configuration_an_options_request_goes_to_the_routes(routes):
    # GIVEN http-routes, without CORS, where ANY /{proxy+} takes OPTIONS
    answer = preflight(routes, "/items", APP)
    # THEN the function gets it, and its response is as it answered
    assert (answer.status, answer.json()["routeKey"]) == (200, "ANY /{proxy+}")
    assert cors_headers(answer) == {}


# --- Lambda authorizers -------------------------------------------------------------------------------------
# "Working with AWS Lambda authorizers for HTTP APIs"; what the page leaves open is said in
# local_runtime/authorizers.py. Gatekeeper authorizes the token "let-me-in" (2.0, simple responses) and
# tells in its context what it was given; PolicyGate answers an IAM policy allowing the key "good" (1.0).


@pytest.fixture(scope="module")
def authorized(provider_classes_outdir):
    stack = load_stack(stack_file(provider_classes_outdir, "http-authorizers"))
    with serving(stack) as (api, client):
        yield api, client


def gate_runs(api, function):
    return [i for i in api.engine.run.invocations if i["function"] == function]


def test_without_its_identity_source_a_request_is_401_and_the_authorizer_never_runs(authorized):
    api, client = authorized
    before = len(gate_runs(api, "SimpleGate"))
    for headers in ([], [("Authorization", "")]):
        answer = client.call("GET", "/simple", headers=headers)
        assert (answer.status, answer.json()) == (401, {"message": "Unauthorized"})
    assert len(gate_runs(api, "SimpleGate")) == before


def test_a_simple_response_authorizes_and_its_context_reaches_the_function(authorized):
    _, client = authorized
    refused = client.call("GET", "/simple", headers=[("Authorization", "let-me-out")])
    answer = client.call("GET", "/simple", headers=[("Authorization", "let-me-in")])
    # THEN a false isAuthorized is API Gateway's 403; a true one reaches Echo
    assert (refused.status, refused.json()) == (403, {"message": "Forbidden"})
    assert answer.status == 200
    # AND Echo's event has the authorizer's context under requestContext.authorizer.lambda: the
    # authorizer had a REQUEST event with the token and the route ARN of the request's path
    context = answer.json()["requestContext"]["authorizer"]["lambda"]
    assert re.fullmatch(r"arn:aws:execute-api:eu-west-1:123456789012:\w+/\$default/GET/simple", context.pop("routeArn"))
    assert context == {"user": "alice", "type": "REQUEST", "token": "let-me-in"}


def test_a_cached_answer_is_used_for_the_same_identity_and_asked_again_for_another(authorized):
    api, client = authorized
    before = len(gate_runs(api, "CachedGate"))
    statuses = [
        client.call("GET", "/cached", headers=[("Authorization", token)]).status
        for token in ("let-me-in", "let-me-in", "let-me-out", "let-me-out")
    ]
    # THEN each token is asked once within the TTL, its answer reused
    assert statuses == [200, 200, 403, 403]
    assert len(gate_runs(api, "CachedGate")) == before + 2


def test_an_iam_policy_answer_is_evaluated_on_the_method_arn_and_a_deny_refuses(authorized):
    _, client = authorized
    allowed, denied, missing = (
        client.call("GET", "/policy?key=good"),
        client.call("GET", "/policy?key=bad"),
        client.call("GET", "/policy"),
    )
    assert allowed.status == 200
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    # AND a payload 1.0 function gets the context's keys and the principal in requestContext.authorizer;
    # the 1.0 authorizer event had the method ARN and version 1.0
    authorizer = allowed.json()["requestContext"]["authorizer"]
    assert authorizer.pop("methodArn").endswith("/$default/GET/policy")
    assert authorizer == {"tier": "gold", "version": "1.0", "principalId": "bob"}


def test_an_authorizer_api_gateway_may_not_invoke_is_a_500(authorized):
    api, client = authorized
    answer = client.call("GET", "/unpermitted", headers=[("Authorization", "let-me-in")])
    assert (answer.status, answer.json()) == (500, INTERNAL_ERROR)
    assert gate_runs(api, "Doorman") == []


# --- the work functions queue -----------------------------------------------------------------------------


def test_the_hops_a_function_queued_run_after_its_response_without_another_request(jobs_stack):
    with serving(jobs_stack) as (api, client):
        # GIVEN seed 001: POST /triggerCustomEvent answers 202 and the job goes on by self-invocation
        started = client.call("POST", "/triggerCustomEvent", {"hops": 4})
        assert (started.status, started.json()["routeKey"]) == (202, "POST /triggerCustomEvent")
        job = started.json()["job"]
        # WHEN no request follows THEN the work it queued runs to its end by itself (a bounded wait)
        assert api.wait_idle(WAIT_S)
        # AND the engine ran the 4 hops before any other request came: 5 invocations in all
        invocations = api.worker.call(lambda: [(i["function"], i["status"]) for i in api.engine.run.invocations])
        assert invocations == [("Jobs", "success")] * 5
        # AND the first status request sees the job finished (a 2.0 answer without statusCode: 200 JSON)
        status = client.call("GET", f"/jobs/{job}")
        assert (status.status, status.json()) == (200, {"job": job, "done": 4, "hops": 4, "status": "finished"})


def test_shutting_the_server_down_stops_the_background_work(jobs_stack):
    with Engine(jobs_stack) as engine:
        # GIVEN the API served, its engine thread running
        api = LocalApi(jobs_stack, engine, {}, out=io.StringIO())
        httpd = server(api)
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            assert Client(httpd.server_port).call("GET", "/").status == 404 and api.worker.running
            # WHEN the server is shut down
            httpd.shutdown()
            thread.join(timeout=WAIT_S)
            # THEN the API's engine thread has ended, and a request that still reaches the API is refused
            assert not api.worker.running
            assert api.handle("GET", "/jobs/x", "", {}, b"") == UNAVAILABLE
        finally:
            httpd.server_close()


class _SteppedEngine:
    """An engine stand-in whose clock holds ``steps`` steps; each step waits for the test to let it end."""

    def __init__(self, steps: int) -> None:
        self.clock = Clock()
        for step in range(steps):
            self.clock.schedule(float(step), step)
        self.order: list[Any] = []
        self.started = threading.Semaphore(0)
        self.finish = threading.Semaphore(0)

    def step(self) -> bool:
        if self.clock.peek() is None:
            return False
        step = self.clock.step()
        self.started.release()
        assert self.finish.acquire(timeout=WAIT_S)
        self.order.append(step)
        return True

    def drain(self) -> None:
        pass


def test_a_request_goes_before_the_next_queued_step_and_stopping_ends_the_steps():
    engine = _SteppedEngine(steps=5)
    worker = EngineWorker(engine, out=io.StringIO(), stop_wait_s=WAIT_S)  # type: ignore[arg-type]
    try:
        # GIVEN the worker in its first step
        assert engine.started.acquire(timeout=WAIT_S)
        # WHEN a request comes, then the step ends
        answered = threading.Thread(target=lambda: engine.order.append(worker.call(lambda: "request")))
        answered.start()
        engine.finish.release()
        answered.join(WAIT_S)
        # THEN the request ran before the next step
        assert engine.order[:2] == [0, "request"]
        # WHEN it is stopped during the next step THEN it stops once that step ends, the others left on the clock
        assert engine.started.acquire(timeout=WAIT_S)
        engine.finish.release()
        assert worker.stop()
        assert engine.order == [0, "request", 1] and engine.clock.peek() == 2.0
    finally:
        for _ in range(5):
            engine.finish.release()
        worker.stop()


# --- ports ----------------------------------------------------------------------------------------------


def lambda_local(*argv: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(arg) for arg in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def may_listen_on_port_80() -> bool:
    """Whether Linux lets this process listen on port 80: CAP_NET_BIND_SERVICE, or no privileged ports at all."""
    try:
        status = Path("/proc/self/status").read_text()
        lowest = int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text())
    except OSError:
        return os.geteuid() == 0
    found = re.search(r"^CapEff:\s*([0-9a-f]+)$", status, re.M)
    return lowest <= 80 or found is None or bool(int(found[1], 16) & 1 << 10)  # 10: CAP_NET_BIND_SERVICE


@pytest.mark.skipif(may_listen_on_port_80(), reason="this process may listen on port 80 (root, or a capability)")
def test_a_privileged_port_is_refused_in_one_line_and_exit_2(provider_classes_outdir):
    code, out, err = lambda_local("api", "http-routes", "--outdir", provider_classes_outdir, "--port", 80)
    assert (code, out) == (2, "")
    assert err == (
        "error: cannot listen on 127.0.0.1:80: Permission denied; pick another port with --port (0: any free port)\n"
    )


def test_a_port_the_system_refuses_is_one_line_and_exit_2_whoever_runs_it(provider_classes_outdir, monkeypatch):
    # GIVEN a system that refuses the port, as Linux refuses a port below 1024 to a user without privileges
    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(ApiServer, "server_bind", refuse)
    code, out, err = lambda_local("api", "http-routes", "--outdir", provider_classes_outdir, "--port", 80)
    assert (code, out) == (2, "")
    assert err == (
        "error: cannot listen on 127.0.0.1:80: Permission denied; pick another port with --port (0: any free port)\n"
    )


def test_the_command_names_each_stages_url(provider_classes_outdir, monkeypatch):
    # GIVEN a server stopped at once, as by Ctrl-C
    def interrupted(self, poll_interval=0.5):
        raise KeyboardInterrupt

    monkeypatch.setattr(ApiServer, "serve_forever", interrupted)
    # WHEN lambda-local api serves http-stages (stages dev and prod) and http-routes ($default)
    _, _, stages = lambda_local("api", "http-stages", "--outdir", provider_classes_outdir, "--port", 0)
    _, _, default = lambda_local("api", "http-routes", "--outdir", provider_classes_outdir, "--port", 0)
    # THEN a named stage's URL ends with its name, $default's is the root
    assert re.search(r" on http://127\.0\.0\.1:\d+/dev, http://127\.0\.0\.1:\d+/prod \(SigV4", stages)
    assert re.search(r" on http://127\.0\.0\.1:\d+ \(SigV4", default)


# --- authorizer answers, read as API Gateway reads them ------------------------------------------------------

ROUTE_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/items"


def policy_answer(*statements):
    return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:abc123/*"}], True),
        ([{"Effect": "Allow", "Action": "execute-api:*", "Resource": [ROUTE_ARN]}], True),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:*:*:abc123/*/POST/*",
                }
            ],
            False,
        ),
        (
            [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": ROUTE_ARN},
            ],
            False,
        ),
        ([], False),
    ],
    ids=["allow-wildcard", "allow-exact", "other-method", "deny-wins", "no-statement"],
)
def test_an_iam_policy_answer_allows_only_what_it_allows_and_a_deny_wins(statements, allowed):
    authorizer = Authorizer(Ref("t", "a", "a"), "a1", "a", "REQUEST", "F", None, "1.0", False, ("$x",), 0)
    assert authorizers.verdict(authorizer, policy_answer(*statements), ROUTE_ARN).allowed is allowed


@pytest.mark.parametrize(
    ("answer", "simple", "problem"),
    [
        ("yes", True, "not an object"),
        ({"isAuthorized": "true"}, True, "needs isAuthorized, true or false"),
        ({"isAuthorized": True, "context": ["x"]}, True, "context is not an object"),
        ({"isAuthorized": True}, False, "needs principalId and policyDocument"),
    ],
)
def test_an_answer_of_neither_shape_is_malformed(answer, simple, problem):
    authorizer = Authorizer(Ref("t", "a", "a"), "a1", "a", "REQUEST", "F", None, "2.0", simple, ("$x",), 0)
    with pytest.raises(authorizers.MalformedAnswer, match=problem):
        authorizers.verdict(authorizer, answer, ROUTE_ARN)


def test_a_cached_answer_lasts_its_ttl_from_when_it_was_asked_and_no_longer():
    now = [0.0]
    cache = authorizers.Cache(clock=lambda: now[0])
    cached = Authorizer(Ref("t", "a", "a"), "a1", "a", "REQUEST", "F", None, "2.0", True, ("$x",), 300)
    uncached = dataclasses.replace(cached, id="a2", ttl_s=0)
    cache.put(cached, ["token"], {"isAuthorized": True})
    cache.put(uncached, ["token"], {"isAuthorized": True})
    now[0] = 299.0
    within = cache.get(cached, ["token"])
    now[0] = 300.0
    assert (within, cache.get(cached, ["token"])) == ({"isAuthorized": True}, None)
    assert cache.get(cached, ["another"]) is None and cache.get(uncached, ["token"]) is None
