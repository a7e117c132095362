"""Lambda authorizers of an HTTP API, as API Gateway runs them (``lambda-local api``).

"Working with AWS Lambda authorizers for HTTP APIs"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):

- a route with ``authorization_type = "CUSTOM"`` names an authorizer of type ``REQUEST``; its identity
  sources (``$request.header.X``, ``$request.querystring.x``, ``$stageVariables.x``) must all be in
  the request, not empty, else ``401 {"message":"Unauthorized"}`` without calling the function;
- the function gets the request in the authorizer's payload format (``event``): 2.0 is the
  integration's 2.0 event without its body, with ``type`` ``REQUEST``, ``routeArn`` and the
  ``identitySource`` values; 1.0 the 1.0 event's request fields with ``methodArn`` and
  ``identitySource`` / ``authorizationToken`` (the values joined with commas);
- it answers, in 2.0 with ``enable_simple_responses``, ``{"isAuthorized": bool, "context": {...}}``,
  otherwise an IAM policy ``{"principalId", "policyDocument", "context"}`` that must allow
  ``execute-api:Invoke`` on the route ARN (a ``Deny`` wins): otherwise ``403 {"message":"Forbidden"}``;
  a function error or an answer of neither shape: ``500 {"message":"Internal Server Error"}``;
- its ``context`` reaches the integration's event: ``requestContext.authorizer.lambda`` in 2.0;
- answers are cached for ``authorizer_result_ttl_in_seconds`` (0: never) by the identity source
  values; without identity sources nothing is cached.

Chosen where the page says nothing: in a 1.0 integration event, ``requestContext.authorizer`` holds
the context's keys and, for an IAM policy answer, ``principalId``; the route ARN names the request's
path (without a named stage's prefix), as the page's examples show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local_runtime import iam
from local_runtime.model.document import as_list
from local_runtime.model.records import Authorizer, Stage, Statement


class MalformedAnswer(ValueError):
    """An authorizer's answer API Gateway cannot read."""


def identity(
    authorizer: Authorizer, header: Callable[[str], str | None], query: dict[str, str], stage: Stage
) -> list[str] | None:
    """The values of the authorizer's identity sources in this request (``header(name)``, any case; the
    query's last value of a name); None when one is missing or empty."""
    values = []
    for source in authorizer.identity_sources:
        kind, _, name = source.removeprefix("$").partition(".")
        if kind == "request":
            where, _, name = name.partition(".")
            value = header(name) if where == "header" else query.get(name) if where == "querystring" else None
        elif kind == "stageVariables":
            value = stage.variables.get(name)
        else:  # $context.*: what API Gateway always has
            value = source
        if not value:
            return None
        values.append(value)
    return values


def event_v2(integration_event: dict[str, Any], route_arn: str, values: list[str]) -> dict[str, Any]:
    """The 2.0 authorizer event, from the integration's 2.0 event of the same request."""
    event: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn, "identitySource": values}
    for key, value in integration_event.items():
        if key not in ("version", "body", "isBase64Encoded"):
            event[key] = value
    return event


def event_v1(integration_event: dict[str, Any], route_arn: str, values: list[str]) -> dict[str, Any]:
    """The 1.0 authorizer event, from the integration's 1.0 event of the same request."""
    joined = ",".join(values)
    event: dict[str, Any] = {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": route_arn,
        "identitySource": joined,
        "authorizationToken": joined,
    }
    for key in (
        "resource",
        "path",
        "httpMethod",
        "headers",
        "queryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
    ):
        event[key] = integration_event[key]
    return event


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    context: dict[str, Any]
    principal_id: str | None = None


def verdict(authorizer: Authorizer, answer: Any, route_arn: str) -> Verdict:
    """What API Gateway makes of the function's answer for ``route_arn``; MalformedAnswer if it cannot read it."""
    if not isinstance(answer, dict):
        raise MalformedAnswer(f"the answer is a {type(answer).__name__}, not an object")
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise MalformedAnswer("context is not an object")
    if authorizer.payload_format_version == "2.0" and authorizer.simple_responses:
        if not isinstance(answer.get("isAuthorized"), bool):
            raise MalformedAnswer("a simple response needs isAuthorized, true or false")
        return Verdict(answer["isAuthorized"], context)
    document = answer.get("policyDocument")
    if not isinstance(document, dict) or "principalId" not in answer:
        raise MalformedAnswer("an IAM policy answer needs principalId and policyDocument")
    statements = [_statement(s) for s in as_list(document.get("Statement")) if isinstance(s, dict)]
    applicable = [s for s in statements if iam.applies(s, "execute-api:Invoke", route_arn)]
    allowed = any(s.effect == "Allow" for s in applicable) and not any(s.effect == "Deny" for s in applicable)
    return Verdict(allowed, context, str(answer["principalId"]))


def _statement(raw: dict[str, Any]) -> Statement:
    def strings(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in as_list(raw.get(key)))

    return Statement(
        effect=str(raw.get("Effect", "")),
        actions=strings("Action"),
        not_actions=strings("NotAction"),
        resources=strings("Resource"),
        not_resources=strings("NotResource"),
    )


class Cache:
    """Authorizers' answers by their identity source values, for their TTL (real time)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._answers: dict[tuple[str, tuple[str, ...]], tuple[float, Any]] = {}

    def get(self, authorizer: Authorizer, values: list[str]) -> Any | None:
        if authorizer.ttl_s <= 0 or not authorizer.identity_sources:
            return None
        kept = self._answers.get((authorizer.id, tuple(values)))
        return kept[1] if kept is not None and kept[0] > self._clock() else None

    def put(self, authorizer: Authorizer, values: list[str], answer: Any) -> None:
        if authorizer.ttl_s > 0 and authorizer.identity_sources:
            self._answers[(authorizer.id, tuple(values))] = (self._clock() + authorizer.ttl_s, answer)
