"""A synthesized stack's HTTP API on loopback, through the local engine (like ``sam local start-api``).

Served by ``lambda-local api``. Routes, their authorization and the function behind each
come from the resolved model of ``cdk.tf.json``.
An ``AWS_IAM`` route answers as API Gateway does: ``403 {"message": "Forbidden"}`` without a
signature, ``403`` when the SigV4 signature (service ``execute-api``) does not verify with the secret
of its access key (``--access-key``/``--secret-key`` [``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``]) or
is more than 5 minutes old. A request becomes a payload 2.0 event, the function runs synchronously
through the engine (``local_runtime.engine``: its role, its table, its hand-offs), and its response becomes
the HTTP response (``500 {"message": "Internal Server Error"}`` if it fails). What the function queued
(its hops) runs when the next request arrives, before it is answered. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import sys
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl

from local_runtime.engine import Engine
from local_runtime.errors import StackFileError
from local_runtime.model import HttpApi, Route, StackModel

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_SKEW_S = 300


def _route_pattern(route_key: str) -> tuple[str, re.Pattern[str]]:
    method, _, path = route_key.partition(" ")
    regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
    return method, re.compile(f"^{regex}$")


class LocalApi:
    """The stack's (first) HTTP API, answering requests through ``engine``."""

    def __init__(self, stack: StackModel, engine: Engine, credentials: dict[str, str]) -> None:
        if not stack.apis:
            raise StackFileError(f"stack {stack.name} has no aws_apigatewayv2_api")
        self.stack, self.engine, self.credentials = stack, engine, credentials
        self.api: HttpApi = stack.apis[0]
        self.routes = [(route, *_route_pattern(route.route_key)) for route in self.api.routes]

    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, client_ip: str = "127.0.0.1"
    ) -> tuple[int, dict[str, str], bytes]:
        self.engine.drain()
        headers = {k.lower(): v for k, v in headers.items()}
        match = next(
            (
                (route, m.groupdict())
                for route, verb, pattern in self.routes
                if verb in (method, "ANY") and (m := pattern.match(path))
            ),
            None,
        )
        if match is None:
            return _json(404, {"message": "Not Found"})
        route, parameters = match
        identity: dict[str, Any] = {}
        if route.authorization_type == "AWS_IAM":
            refusal, identity = self._verify(method, path, query, headers, body)
            if refusal:
                return _json(403, {"message": refusal})
        if route.function is None:
            return _json(500, {"message": "Internal Server Error"})
        invocation = self.engine.invoke_sync(
            route.function,
            self._event(route, parameters, method, path, query, headers, body, identity, client_ip),
            qualifier=route.qualifier,
        )
        if invocation.error is not None:
            return _json(500, {"message": "Internal Server Error"})
        return _response(invocation.result)

    def _verify(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[str | None, dict[str, Any]]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        parsed = _AUTHORIZATION.match(headers.get("authorization", ""))
        if parsed is None or "x-amz-date" not in headers:
            return "Forbidden", {}
        secret = self.credentials.get(parsed["key"])
        if secret is None or parsed["service"] != "execute-api":
            return "The security token included in the request is invalid.", {}
        signed_at = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - signed_at).total_seconds()) > MAX_SKEW_S:
            return "Signature expired: the request was signed more than 5 minutes ago", {}
        signed = {name: headers.get(name, "") for name in parsed["headers"].split(";")}
        request = AWSRequest(
            method=method,
            url=f"http://{headers.get('host', '')}{path}{'?' + query if query else ''}",
            headers=signed,
            data=body,
        )
        request.context["timestamp"] = headers["x-amz-date"]
        auth = SigV4Auth(Credentials(parsed["key"], secret), parsed["service"], parsed["region"])
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if not hmac.compare_digest(expected, parsed["signature"]):
            return (
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method."
            ), {}
        return None, {
            "accessKey": parsed["key"],
            "accountId": self.stack.account,
            "userArn": f"arn:aws:iam::{self.stack.account}:user/{parsed['key']}",
        }

    def _event(
        self,
        route: Route,
        parameters: dict[str, str],
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        identity: dict[str, Any],
        client_ip: str,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        host = headers.get("host", "127.0.0.1")
        headers = {**headers, "x-forwarded-proto": "http", "x-forwarded-for": client_ip}  # as API Gateway adds them
        try:
            text, encoded = body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": self.stack.account,
                "apiId": self.api.id,
                "domainName": host,
                "domainPrefix": host.split(".")[0],
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": client_ip,
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": encoded,
        }
        if identity:
            event["requestContext"]["authorizer"] = {"iam": identity}
        if parameters:
            event["pathParameters"] = parameters
        if query:
            event["queryStringParameters"] = dict(parse_qsl(query))
        if body:
            event["body"] = text
        return event


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()


def _response(result: Any) -> tuple[int, dict[str, str], bytes]:
    """API Gateway's reading of a payload 2.0 function response."""
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body", "")
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        return int(result["statusCode"]), {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}, raw
    return _json(200, result)


def server(api: LocalApi, port: int = 0) -> HTTPServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port) answering with ``api``; one request at a time."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("content-length") or 0)
            status, headers, body = api.handle(
                self.command, path, query, dict(self.headers.items()), self.rfile.read(length), self.client_address[0]
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{self.address_string()} {format % args}", file=sys.stderr)

    return HTTPServer(("127.0.0.1", port), Handler)
