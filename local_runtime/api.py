"""A synthesized stack's HTTP API on loopback, answered as API Gateway answers it (``lambda-local api``).

Routes, their authorization, the function behind each and its integration's payload format come from
the resolved model of ``cdk.tf.json``. A request is answered in API Gateway's order:

1. its stage, by the path's first segment (a named stage ``/dev/...``; any other path the ``$default``
   stage, when the API has one), then its route in the rest of the path (``RouteTable.select``): the
   exact route, else the most specific path (a greedy ``{proxy+}`` last), a route of the request's
   method before ``ANY``, ``$default`` for the rest; none: ``404 {"message":"Not Found"}``;
2. the stage's throttling of the route (``local_runtime.throttling``): over it, ``429``; an
   ``AWS_IAM`` route: ``403 {"message":"Forbidden"}`` without a signature, ``403`` when the SigV4
   signature (service ``execute-api``) does not verify with the secret of its access key or is more
   than 5 minutes old; a ``CUSTOM`` route: its Lambda authorizer (``local_runtime.authorizers``);
3. the function's resource policy must let ``apigateway.amazonaws.com`` invoke it from that route
   (``local_runtime.iam.lambda_permits``), else ``500 {"message":"Internal Server Error"}``;
4. the function runs synchronously through the engine with a payload 1.0 or 2.0 event (``event_v1``,
   ``event_v2``) and its answer becomes the response (``response_v1``, ``response_v2``); a function
   error or an answer API Gateway cannot read: ``500 {"message":"Internal Server Error"}``; no answer
   within the integration's ``timeout_milliseconds`` (30 s unless set): ``503 {"message":"Service
   Unavailable"}``, and the function runs on.

With a ``cors_configuration``, a preflight no route takes is answered before 1. to 4., and the
integration's response gets the configured CORS headers (``local_runtime.cors``).

One thread owns the engine (``EngineWorker``): requests go first, and between them it runs what the
functions queued (their asynchronous invokes, retries, deliveries) one step at a time, so the hops go on
right after a response without another request, and a request waits for one step at most. Closing the
API (or shutting its server down) stops that work. Listens on 127.0.0.1 only. What follows AWS's
documentation, what follows recordings of real AWS, and what is chosen: docs/local-runtime.md.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, TextIO, TypeVar
from urllib.parse import parse_qsl, unquote

from local_runtime import authorizers, cors, iam
from local_runtime.engine import Engine
from local_runtime.errors import EngineError, StackFileError
from local_runtime.limits import INIT_LIMIT_S
from local_runtime.model import HttpApi, Route, StackModel
from local_runtime.model.records import Stage
from local_runtime.runtimes import Invocation
from local_runtime.throttling import TokenBuckets

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_SKEW_S = 300
_T = TypeVar("_T")


# --- requests and responses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request as it arrived: the path and query still percent-encoded, every header kept."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (any case), or None."""
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return values[-1] if values else None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """Header ``name`` (any case); several (``set-cookie``) joined by ``, ``."""
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None


def gateway_error(status: int, message: str) -> HttpResponse:
    """API Gateway's own answer: ``{"message": ...}``, compact, as application/json."""
    return HttpResponse(status, (("content-type", "application/json"),), _compact(message=message))


def _compact(value: Any = None, **fields: Any) -> bytes:
    return json.dumps(fields or value, separators=(",", ":"), ensure_ascii=False).encode()


NOT_FOUND = gateway_error(404, "Not Found")
INTERNAL_ERROR = gateway_error(500, "Internal Server Error")
UNAVAILABLE = gateway_error(503, "Service Unavailable")
TOO_MANY_REQUESTS = gateway_error(429, "Too Many Requests")


# --- route selection ------------------------------------------------------------------------------------

_GREEDY = re.compile(r"^\{([^{}+]+)\+\}$")
_VARIABLE = re.compile(r"^\{([^{}+]+)\}$")
_LITERAL, _ONE_SEGMENT, _ANY_DEPTH = 0, 1, 2  # a segment's kind; a smaller one is more specific


@dataclass(frozen=True)
class RoutePattern:
    """A route key's method and path, compiled: what it matches and how specific it is."""

    route: Route
    method: str
    regex: re.Pattern[str]
    names: tuple[str, ...]  # the path variables, in the regex's group order
    kinds: tuple[int, ...]  # per segment: _LITERAL, _ONE_SEGMENT or _ANY_DEPTH

    @classmethod
    def of(cls, route: Route) -> RoutePattern:
        method, _, path = route.route_key.partition(" ")
        parts, names, kinds = [], [], []
        for segment in path.split("/")[1:]:
            if greedy := _GREEDY.match(segment):
                parts.append("(.+)")
                names.append(greedy[1])
                kinds.append(_ANY_DEPTH)
            elif variable := _VARIABLE.match(segment):
                parts.append("([^/]+)")
                names.append(variable[1])
                kinds.append(_ONE_SEGMENT)
            else:
                parts.append(re.escape(segment))
                kinds.append(_LITERAL)
        return cls(route, method.upper(), re.compile("/" + "/".join(parts)), tuple(names), tuple(kinds))

    def rank(self) -> tuple[Any, ...]:
        """Sorts the most specific first: not greedy, more literal segments, literals leftmost, not ``ANY``."""
        return (_ANY_DEPTH in self.kinds, -self.kinds.count(_LITERAL), self.kinds, self.method == "ANY")


class RouteTable:
    """Which route API Gateway picks for a request, by its rules for HTTP APIs.

    "Working with routes for HTTP APIs", section "Routing API requests"
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html): the
    most specific match, by priority: a full match of route and method; a match with a greedy path
    variable (``{proxy+}``); the ``$default`` route; none: ``{"message":"Not Found"}``. ``ANY`` matches
    "all methods that you haven't defined for a resource": on one path, a route of the request's method
    wins. Between two non-greedy paths that both match, the page says nothing: the one with more literal
    segments wins, then the one whose first differing segment is literal (our choice).
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        routes = tuple(routes)
        self.default = next((r for r in routes if r.route_key == "$default"), None)
        self.patterns = [RoutePattern.of(r) for r in routes if r.route_key != "$default"]

    def select(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and ``path`` (percent-encoded, as sent) and its path parameters, decoded."""
        matches = [
            (pattern, found)
            for pattern in self.patterns
            if pattern.method in (method.upper(), "ANY") and (found := pattern.regex.fullmatch(path))
        ]
        if matches:
            pattern, found = min(matches, key=lambda match: match[0].rank())
            # "API Gateway decodes URL-encoded request parameters before passing them to your backend" (same page)
            return pattern.route, {
                name: unquote(value) for name, value in zip(pattern.names, found.groups(), strict=True)
            }
        return (self.default, {}) if self.default is not None else None


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """What API Gateway knows of one request when it calls the integration."""

    api: HttpApi
    account: str
    stage: Stage
    route: Route
    parameters: dict[str, str]
    identity: dict[str, Any]
    request_id: str
    at: datetime
    authorizer: authorizers.Verdict | None = None  # a Lambda authorizer's, on a CUSTOM route


def _body(request: Request) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    try:
        return request.body.decode(), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True


def _forwarded(request: Request) -> list[tuple[str, str]]:
    """The request's headers, names lower-case (as HTTP APIs send them), with those API Gateway adds."""
    added = {"x-forwarded-proto": "http", "x-forwarded-for": request.client_ip}
    return [(n.lower(), v) for n, v in request.headers if n.lower() not in added] + list(added.items())


def event_v2(request: Request, call: _Call) -> dict[str, Any]:
    """The payload format 2.0 event ("Working with AWS Lambda proxy integrations for HTTP APIs").

    Duplicate headers and query parameters are joined with commas; cookies move from the ``cookie``
    header to ``cookies``; ``pathParameters`` and ``body`` are left out when there are none.
    """
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _forwarded(request):
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    host = headers.get("host", "127.0.0.1")
    body, encoded = _body(request)
    context: dict[str, Any] = {"accountId": call.account, "apiId": call.api.id}
    if call.identity:
        context["authorizer"] = {"iam": call.identity}
    elif call.authorizer is not None:
        context["authorizer"] = {"lambda": call.authorizer.context}
    context |= {
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.client_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": call.request_id,
        "routeKey": call.route.route_key,
        "stage": call.stage.name,
        "time": call.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(call.at.timestamp() * 1000),
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": call.route.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if call.parameters:
        event["pathParameters"] = call.parameters
    event["isBase64Encoded"] = encoded
    if call.stage.variables:
        event["stageVariables"] = dict(call.stage.variables)
    return event


def event_v1(request: Request, call: _Call) -> dict[str, Any]:
    """The payload format 1.0 event: the REST API proxy event's keys, with ``version`` "1.0".

    ``headers`` and ``queryStringParameters`` hold the last value of each name, the ``multiValue``
    twins all of them; absent ones, ``pathParameters``, ``stageVariables`` and ``body`` are null.
    """
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in _forwarded(request):
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    host = headers.get("host", "127.0.0.1")
    body, encoded = _body(request)
    resource = call.route.route_key.partition(" ")[2] or call.route.route_key  # $default has no path
    identity = {
        "accessKey": call.identity.get("accessKey"),
        "accountId": call.identity.get("accountId"),
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.client_ip,
        "user": None,
        "userAgent": headers.get("user-agent", ""),
        "userArn": call.identity.get("userArn"),
    }
    context: dict[str, Any] = {"accountId": call.account, "apiId": call.api.id}
    if call.authorizer is not None:
        principal = {"principalId": call.authorizer.principal_id} if call.authorizer.principal_id is not None else {}
        context["authorizer"] = {**call.authorizer.context, **principal}
    context |= {
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "extendedRequestId": base64.b64encode(secrets.token_bytes(10)).decode(),
        "httpMethod": request.method,
        "identity": identity,
        "path": request.path,
        "protocol": "HTTP/1.1",
        "requestId": call.request_id,
        "requestTime": call.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(call.at.timestamp() * 1000),
        "resourceId": None,
        "resourcePath": resource,
        "stage": call.stage.name,
    }
    return {
        "version": "1.0",
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": context,
        "pathParameters": call.parameters or None,
        "stageVariables": dict(call.stage.variables) or None,
        "body": body,
        "isBase64Encoded": encoded,
    }


# --- responses ------------------------------------------------------------------------------------------


class MalformedResponse(ValueError):
    """A function's answer API Gateway cannot turn into an HTTP response; the message says why."""


_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


def _status_code(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        code = value
    elif isinstance(value, str) and value.strip().isdigit():
        code = int(value)  # "201" is accepted (apigw_rest_v1_proxy_response_mapping: invoke-api-status-code-str)
    else:
        raise MalformedResponse(f"statusCode must be an HTTP status; got {value!r}")
    if not 100 <= code <= 599:
        raise MalformedResponse(f"statusCode must be between 100 and 599; got {code}")
    return code


def _header_text(value: Any) -> str:
    """A header value as sent: a string as is, anything else as JSON (``true``, not ``True``)."""
    return value if isinstance(value, str) else json.dumps(value)


def _object(result: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = result.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"{key} must be an object; got {type(value).__name__}")
    return value


def _with_content_type(headers: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """API Gateway's ``content-type: application/json`` unless the function names one."""
    if any(name.lower() == "content-type" for name, _ in headers):
        return tuple(headers)
    return (("content-type", "application/json"), *headers)


def _raw_body(body: Any, base64_encoded: Any, *, strings_only: bool) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        if strings_only:
            raise MalformedResponse(f"body must be a string; got {type(body).__name__}")
        return _compact(body)
    if base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as error:
            raise MalformedResponse(f"body is not base64 although isBase64Encoded is true: {error}") from None
    return body.encode()


def response_v2(result: Any) -> HttpResponse:
    """API Gateway's reading of a payload 2.0 answer (the same as a Lambda function URL's).

    An object with ``statusCode``: its ``statusCode``, ``headers``, ``cookies`` (one ``set-cookie``
    each), ``body`` (base64-decoded if ``isBase64Encoded``; an object is sent as JSON), content type
    ``application/json`` unless it names one. Anything else is the body of a 200 ``application/json``
    response: a string as it is, any other value as compact JSON.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result.encode() if isinstance(result, str) else _compact(result)
        return HttpResponse(200, (("content-type", "application/json"),), body)
    status = _status_code(result["statusCode"])
    headers = [(str(name), _header_text(value)) for name, value in _object(result, "headers").items()]
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse(f"cookies must be a list of strings; got {type(cookies).__name__}")
    headers += [("set-cookie", str(cookie)) for cookie in cookies]
    return HttpResponse(
        status,
        _with_content_type(headers),
        _raw_body(result.get("body"), result.get("isBase64Encoded"), strings_only=False),
    )


def response_v1(result: Any) -> HttpResponse:
    """API Gateway's reading of a payload 1.0 answer, validated as real AWS validates a REST proxy answer.

    It must be a non-empty object of ``statusCode`` (200 if left out; a string of digits will do),
    ``headers``, ``multiValueHeaders`` (lists; joined ``a, b``, ahead of a ``headers`` value of the same
    name, whose name keeps the ``multiValueHeaders`` spelling), ``body`` (a string) and
    ``isBase64Encoded``; anything else is a ``MalformedResponse``.
    """
    if not isinstance(result, dict) or not result:
        raise MalformedResponse(f"a payload 1.0 answer must be a non-empty object; got {json.dumps(result)[:80]}")
    unknown = sorted(set(result) - _V1_KEYS)
    if unknown:
        raise MalformedResponse(
            f"a payload 1.0 answer has no {', '.join(unknown)}; allowed: {', '.join(sorted(_V1_KEYS))}"
        )
    status = _status_code(result.get("statusCode", 200))
    merged: dict[str, list[str]] = {}
    for name, values in _object(result, "multiValueHeaders").items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders.{name} must be a list; got {type(values).__name__}")
        merged[str(name)] = [_header_text(v) for v in values]
    for name, value in _object(result, "headers").items():
        same = next((known for known in merged if known.lower() == str(name).lower()), str(name))
        merged.setdefault(same, []).append(_header_text(value))
    headers = [(name, ", ".join(values)) for name, values in merged.items()]
    return HttpResponse(
        status,
        _with_content_type(headers),
        _raw_body(result.get("body"), result.get("isBase64Encoded"), strings_only=True),
    )


# --- the engine's one thread ----------------------------------------------------------------------------


class ApiStopped(RuntimeError):
    """The API was closed: its engine takes no more work."""


_STEP = object()  # the worker's next job: one step of the engine's clock


class EngineWorker:
    """The one thread that touches the engine (it is not thread-safe): requests first, then its queued steps.

    ``call`` hands it a request's work and waits for the result. With no request waiting it runs the
    engine's clock one step at a time (an event's attempt, a poll), so the work a function queued goes
    on by itself and a request waits for at most the step in progress. A step is bounded by the
    function's timeout, which the engine enforces; ``stop`` ends the work after the step in progress.
    """

    def __init__(self, engine: Engine, *, out: TextIO, stop_wait_s: float) -> None:
        self.engine, self.out, self.stop_wait_s = engine, out, stop_wait_s
        self._changed = threading.Condition()
        self._requests: deque[tuple[Callable[[], Any], Future[Any]]] = deque()
        self._stopping = False
        self._idle = True
        self._thread = threading.Thread(target=self._serve, name="lambda-local api engine", daemon=True)
        self._thread.start()

    def call(self, work: Callable[[], _T], timeout: float | None = None) -> _T:
        """``work()`` on the engine's thread, before any further background step; its result or its
        exception; TimeoutError after ``timeout`` s (the work still runs to its end)."""
        done: Future[_T] = Future()
        with self._changed:
            if self._stopping:
                raise ApiStopped("the API is closed")
            self._requests.append((work, done))
            self._idle = False
            self._changed.notify_all()
        return done.result(timeout)

    @property
    def running(self) -> bool:
        """Whether its thread still takes work (False once stopped)."""
        return self._thread.is_alive()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued (no request, no step on the clock); False if ``timeout`` s pass first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._idle, timeout)

    def stop(self) -> bool:
        """Stop after the step in progress (waiting at most ``stop_wait_s``); True if the thread ended."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(self.stop_wait_s)
        if self._thread.is_alive():
            print(f"lambda-local api: the step in progress did not end within {self.stop_wait_s:g} s", file=self.out)
        return not self._thread.is_alive()

    def _serve(self) -> None:
        while (job := self._next()) is not None:
            if job is _STEP:
                self._step()
            else:
                work, done = job
                try:
                    done.set_result(work())
                except BaseException as error:  # handed to the waiting request, which answers for it
                    done.set_exception(error)
        with self._changed:
            for _, done in self._requests:
                done.set_exception(ApiStopped("the API is closed"))
            self._requests.clear()
            self._idle = True
            self._changed.notify_all()

    def _next(self) -> Any:
        """The next job: a waiting request, else a step of the clock, else wait; None once stopping."""
        with self._changed:
            while not self._stopping:
                if self._requests:
                    return self._requests.popleft()
                if self.engine.clock.peek() is not None:
                    return _STEP
                if not self._idle:
                    self.engine.drain()  # nothing left: the clock catches up with the last execution
                    self._idle = True
                    self._changed.notify_all()
                self._changed.wait()
            return None

    def _step(self) -> None:
        # The facade's drain() runs until nothing is left, which would keep a request waiting for a whole
        # chain of hops: one step at a time.
        try:
            self.engine.step()
        except Exception as error:  # one step that fails must not end the others, nor the server
            print(f"lambda-local api: a queued step failed: {type(error).__name__}: {error}", file=self.out)


# --- the API --------------------------------------------------------------------------------------------


def chosen_api(stack: StackModel, name: str | None) -> HttpApi:
    """The stack's HTTP API by construct path or logical id (the first without a name); StackFileError
    naming those there are."""
    if not stack.apis:
        raise StackFileError(f"stack {stack.name} has no aws_apigatewayv2_api")
    if name is None:
        return stack.apis[0]
    found = next((a for a in stack.apis if name in (a.path, a.ref.logical_id)), None)
    if found is None:
        choices = ", ".join(a.path for a in stack.apis)
        raise StackFileError(f"stack {stack.name} has no HTTP API {name!r}; choose from {choices}")
    return found


class LocalApi:
    """One HTTP API of the stack (``api``: its construct path or logical id; the first one when not
    given), answering requests through ``engine``. Close it (or use ``with``)."""

    def __init__(
        self,
        stack: StackModel,
        engine: Engine,
        credentials: dict[str, str],
        *,
        out: TextIO | None = None,
        api: str | None = None,
    ) -> None:
        self.stack, self.engine, self.credentials = stack, engine, credentials
        self.out = out if out is not None else sys.stderr
        self.api: HttpApi = chosen_api(stack, api)
        self.routes = RouteTable(self.api.routes)
        self.stages = {stage.name: stage for stage in self.api.served_stages()}
        self.authorizer_answers = authorizers.Cache()
        self.buckets = TokenBuckets()
        longest = max((f.timeout for f in stack.functions.values()), default=3)
        self.worker = EngineWorker(engine, out=self.out, stop_wait_s=longest + INIT_LIMIT_S)

    def __enter__(self) -> LocalApi:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the engine's background work (after the step in progress). Idempotent."""
        self.worker.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the work the functions queued has run; False if ``timeout`` s pass first."""
        return self.worker.wait_idle(timeout)

    def source_arn(self, route: Route, stage: Stage | None = None) -> str:
        """The source ARN API Gateway invokes a route's function with from ``stage`` (the first served
        one when not given), as the verifier forms it."""
        return self.api.source_arn(route, stage or self.api.served_stages()[0])

    def staged(self, path: str) -> tuple[Stage, str] | None:
        """The stage a request path reaches and the path its routes see: a named stage by the first
        segment (``/dev/jobs``: ``dev``, ``/jobs``), any other path the ``$default`` stage's; None when
        the API has no stage for it."""
        first, slash, rest = path[1:].partition("/")
        named = self.stages.get(unquote(first)) if first != "$default" else None
        if named is not None:
            return named, "/" + rest if slash else "/"
        default = self.stages.get("$default")
        return (default, path) if default is not None else None

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        client_ip: str = "127.0.0.1",
    ) -> HttpResponse:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        request = Request(method.upper(), path, query, tuple((str(n), str(v)) for n, v in pairs), body, client_ip)
        staged = self.staged(request.path)
        if staged is None:
            return NOT_FOUND
        stage, route_path = staged
        if (
            self.api.cors is not None
            and cors.is_preflight(
                request.method, request.header("origin"), request.header("access-control-request-method")
            )
            and self.routes.select("OPTIONS", route_path) is None  # a route that takes OPTIONS answers it itself
        ):
            return HttpResponse(
                cors.PREFLIGHT_STATUS, cors.preflight_headers(self.api.cors, request.header("origin")), b""
            )
        selected = self.routes.select(request.method, route_path)
        if selected is None:
            return NOT_FOUND
        route, parameters = selected
        throttle = stage.throttle(route.route_key)
        if throttle is not None and not self.buckets.take((stage.name, route.route_key), throttle):
            return TOO_MANY_REQUESTS
        identity: dict[str, Any] = {}
        verdict: authorizers.Verdict | None = None
        if route.authorization_type == "AWS_IAM":
            refusal, identity = self._verify(request)
            if refusal:
                return gateway_error(403, refusal)
        elif route.authorization_type == "CUSTOM":
            outcome = self._authorize(request, stage, route, route_path, parameters)
            if isinstance(outcome, HttpResponse):
                return outcome
            verdict = outcome
        if route.function is None:
            return self._failed(request, route, "the route has no Lambda integration the model could read")
        refused = self._unpermitted(request, route, route.function, route.qualifier, self.source_arn(route, stage))
        if refused is not None:
            return refused
        call = _Call(
            self.api,
            self.stack.account,
            stage,
            route,
            parameters,
            identity,
            str(uuid.uuid4()),
            datetime.now(UTC),
            verdict,
        )
        version_2 = route.payload_format_version == "2.0"
        event = event_v2(request, call) if version_2 else event_v1(request, call)
        function = route.function
        invocation = self._run(request, route, function, route.qualifier, event, timeout_ms=route.timeout_ms)
        if isinstance(invocation, HttpResponse):
            return invocation
        try:
            response = response_v2(invocation.result) if version_2 else response_v1(invocation.result)
        except MalformedResponse as error:
            return self._failed(
                request,
                route,
                f"{function}'s answer is malformed for payload format {route.payload_format_version}: {error}",
            )
        if self.api.cors is None:
            return response
        headers = cors.response_headers(self.api.cors, request.header("origin"), response.headers)
        return HttpResponse(response.status, headers, response.body)

    def _authorize(
        self, request: Request, stage: Stage, route: Route, route_path: str, parameters: dict[str, str]
    ) -> HttpResponse | authorizers.Verdict | None:
        """A CUSTOM route's Lambda authorizer: its verdict, or API Gateway's refusal (401, 403, 500). A JWT
        authorizer is not run (None)."""
        authorizer = self.api.authorizer(route.authorizer_id)
        if authorizer is None or authorizer.type != "REQUEST":
            return None
        query = dict(parse_qsl(request.query, keep_blank_values=True))
        values = authorizers.identity(authorizer, request.header, query, stage)
        if values is None:
            return gateway_error(401, "Unauthorized")
        name = f"authorizer {authorizer.name}"
        if authorizer.function is None:
            return self._failed(request, route, f"{name} names no function the model could read")
        source = self.api.authorizer_source_arn(authorizer)
        refused = self._unpermitted(request, route, authorizer.function, authorizer.qualifier, source)
        if refused is not None:
            return refused
        route_arn = self.api.execute_arn(stage, request.method, route_path)
        answer = self.authorizer_answers.get(authorizer, values)
        fresh = answer is None
        if answer is None:
            call = _Call(
                self.api, self.stack.account, stage, route, parameters, {}, str(uuid.uuid4()), datetime.now(UTC)
            )
            if authorizer.payload_format_version == "2.0":
                event = authorizers.event_v2(event_v2(request, call), route_arn, values)
            else:
                event = authorizers.event_v1(event_v1(request, call), route_arn, values)
            invocation = self._run(request, route, authorizer.function, authorizer.qualifier, event, what=f"{name}: ")
            if isinstance(invocation, HttpResponse):
                return invocation
            answer = invocation.result
        try:
            verdict = authorizers.verdict(authorizer, answer, route_arn)
        except authorizers.MalformedAnswer as error:
            return self._failed(request, route, f"{name}'s answer is malformed: {error}")
        if fresh:  # a cached answer keeps the time it was cached until
            self.authorizer_answers.put(authorizer, values, answer)
        return verdict if verdict.allowed else gateway_error(403, "Forbidden")

    def _unpermitted(
        self, request: Request, route: Route, function: str, qualifier: str | None, source: str
    ) -> HttpResponse | None:
        """500 unless a Lambda permission lets API Gateway invoke ``function`` from ``source``."""
        if iam.lambda_permits(self.stack, function, qualifier, "apigateway.amazonaws.com", source):
            return None
        return self._failed(
            request, route, f"no lambda permission lets apigateway.amazonaws.com invoke {function} from {source}"
        )

    def _run(
        self,
        request: Request,
        route: Route,
        function: str,
        qualifier: str | None,
        event: dict[str, Any],
        *,
        what: str = "",
        timeout_ms: int | None = None,
    ) -> Invocation | HttpResponse:
        """``function``'s synchronous invocation on the engine's thread, or API Gateway's answer when there is
        none to use: 503 past ``timeout_ms`` (the function runs on) or when the API is closed, 500 when the
        engine refuses it or the handler fails (the reason on ``out``, after ``what``)."""
        try:
            invocation = self.worker.call(
                lambda: self.engine.invoke_sync(function, event, qualifier=qualifier),
                timeout=timeout_ms / 1000 if timeout_ms is not None else None,
            )
        except TimeoutError:
            # The integration's timeout: API Gateway answers 503 and the function runs on to its end
            print(
                f"{request.method} {request.path} ({route.route_key}): 503: {function} did not answer within the "
                f"integration's {timeout_ms} ms",
                file=self.out,
            )
            return UNAVAILABLE
        except ApiStopped:
            return UNAVAILABLE
        except EngineError as error:
            return self._failed(request, route, f"{what}{error}")
        if invocation.error is not None:
            return self._failed(request, route, f"{what}{function} failed: {invocation.error_type}")
        return invocation

    def _failed(self, request: Request, route: Route, reason: str) -> HttpResponse:
        """500, as API Gateway answers; the reason (its access log's integrationErrorMessage) on ``out``."""
        print(f"{request.method} {request.path} ({route.route_key}): 500: {reason}", file=self.out)
        return INTERNAL_ERROR

    def _verify(self, request: Request) -> tuple[str | None, dict[str, Any]]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        parsed = _AUTHORIZATION.match(request.header("authorization") or "")
        amz_date = request.header("x-amz-date")
        if parsed is None or amz_date is None:
            return "Forbidden", {}
        secret = self.credentials.get(parsed["key"])
        if secret is None or parsed["service"] != "execute-api":
            return "The security token included in the request is invalid.", {}
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - signed_at).total_seconds()) > MAX_SKEW_S:
            return "Signature expired: the request was signed more than 5 minutes ago", {}
        signed = {name: request.header(name) or "" for name in parsed["headers"].split(";")}
        query = f"?{request.query}" if request.query else ""
        aws_request = AWSRequest(
            method=request.method,
            url=f"http://{request.header('host') or ''}{request.path}{query}",
            headers=signed,
            data=request.body,
        )
        aws_request.context["timestamp"] = amz_date
        auth = SigV4Auth(Credentials(parsed["key"], secret), parsed["service"], parsed["region"])
        expected = auth.signature(auth.string_to_sign(aws_request, auth.canonical_request(aws_request)), aws_request)
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


# --- the server -----------------------------------------------------------------------------------------


class ApiServer(HTTPServer):
    """An HTTP server on 127.0.0.1 answering with one ``LocalApi``; shutting it down or closing it closes the API."""

    _api: LocalApi | None = None

    def __init__(self, api: LocalApi, port: int) -> None:
        super().__init__(("127.0.0.1", port), _handler(api))
        self._api = api  # only once bound: a port refused leaves the API open for another try

    def shutdown(self) -> None:
        super().shutdown()
        if self._api is not None:
            self._api.close()

    def server_close(self) -> None:
        super().server_close()
        if self._api is not None:
            self._api.close()


def _handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("content-length") or 0)
            response = api.handle(
                self.command, path, query, self.headers.items(), self.rfile.read(length), self.client_address[0]
            )
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{self.address_string()} {format % args}", file=api.out)

    return Handler


def server(api: LocalApi, port: int = 0) -> ApiServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port) answering with ``api``; one request at a time."""
    return ApiServer(api, port)
