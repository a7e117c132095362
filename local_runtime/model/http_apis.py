"""HTTP APIs (API Gateway v2): each ``aws_apigatewayv2_api`` with its routes, stages, CORS and authorizers."""

from __future__ import annotations

from typing import Any

from local_runtime.model.document import Document, Node, as_list
from local_runtime.model.records import Authorizer, Cors, HttpApi, Route, Stage, Throttle
from local_runtime.model.targets import Targets

DEFAULT_TIMEOUT_MS = 30_000
DEFAULT_AUTHORIZER_TTL_S = 300  # Terraform's default for authorizer_result_ttl_in_seconds


def apis(doc: Document, targets: Targets) -> list[HttpApi]:
    found = []
    for api in doc.resources("aws_apigatewayv2_api"):
        found.append(
            HttpApi(
                api.ref,
                str(doc.attribute(api, "id")),
                str(doc.attribute(api, "execution_arn")),
                tuple(route(doc, targets, node) for node in _of(doc, api, "aws_apigatewayv2_route")),
                tuple(stage(doc, node) for node in _of(doc, api, "aws_apigatewayv2_stage")),
                cors(doc, api),
                tuple(authorizer(doc, targets, node) for node in _of(doc, api, "aws_apigatewayv2_authorizer")),
            )
        )
    return found


def _of(doc: Document, api: Node, type_: str) -> list[Node]:
    """The resources of ``type_`` whose ``api_id`` is this API's."""
    return [node for node in doc.resources(type_) if doc.referenced(node.get("api_id")) is api]


def _argument(doc: Document, node: Node, name: str, default: Any) -> Any:
    return doc.resolved(node.get(name, default), f"{node.ref}: {name}")


def route(doc: Document, targets: Targets, node: Node) -> Route:
    integration = next(
        (n for n in doc.references_in(node.get("target")) if n.type == "aws_apigatewayv2_integration"), None
    )
    function, qualifier, payload_format, timeout_ms = None, None, "1.0", DEFAULT_TIMEOUT_MS
    if integration is not None:
        function, qualifier = targets.function_at(_argument(doc, integration, "integration_uri", ""))
        payload_format = str(_argument(doc, integration, "payload_format_version", "1.0"))
        timeout_ms = int(_argument(doc, integration, "timeout_milliseconds", DEFAULT_TIMEOUT_MS))
    authorizer = doc.referenced(node.get("authorizer_id"))
    return Route(
        node.ref,
        str(_argument(doc, node, "route_key", "")),
        str(_argument(doc, node, "authorization_type", "NONE")),
        function.path if function is not None else None,
        qualifier,
        payload_format,
        timeout_ms,
        str(doc.attribute(authorizer, "id")) if authorizer is not None else None,
    )


def stage(doc: Document, node: Node) -> Stage:
    variables = _argument(doc, node, "stage_variables", {}) or {}
    throttles: dict[str | None, Throttle] = {}
    default = _throttle(doc, node, node.get("default_route_settings"))
    if default is not None:
        throttles[None] = default
    for settings in as_list(node.get("route_settings")):
        found = _throttle(doc, node, settings)
        if found is not None and isinstance(settings, dict):
            throttles[str(doc.resolved(settings.get("route_key"), f"{node.ref}: route_settings"))] = found
    return Stage(
        str(_argument(doc, node, "name", "")),
        {str(k): str(v) for k, v in variables.items()} if isinstance(variables, dict) else {},
        throttles,
    )


def _throttle(doc: Document, node: Node, settings: Any) -> Throttle | None:
    """A route settings block's throttling, when it sets a rate or a burst."""
    blocks = [b for b in as_list(settings) if isinstance(b, dict)]
    if not blocks:
        return None
    context = f"{node.ref}: route settings"
    rate, burst = (
        doc.resolved(blocks[0].get(key), context) for key in ("throttling_rate_limit", "throttling_burst_limit")
    )
    if rate is None and burst is None:
        return None
    return Throttle(float(rate) if rate is not None else float("inf"), int(burst) if burst is not None else 2**31)


def cors(doc: Document, api: Node) -> Cors | None:
    """The API's ``cors_configuration`` block, resolved; None without one."""
    blocks = [b for b in as_list(api.get("cors_configuration")) if isinstance(b, dict)]
    if not blocks:
        return None
    context = f"{api.ref}: cors_configuration"
    block = {key: doc.resolved(value, context) for key, value in blocks[0].items()}

    def names(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in as_list(block.get(key)))

    max_age = block.get("max_age")
    return Cors(
        allow_origins=names("allow_origins"),
        allow_methods=names("allow_methods"),
        allow_headers=names("allow_headers"),
        expose_headers=names("expose_headers"),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=block.get("allow_credentials") in (True, "true"),
    )


def authorizer(doc: Document, targets: Targets, node: Node) -> Authorizer:
    function, qualifier = targets.function_at(_argument(doc, node, "authorizer_uri", ""))
    return Authorizer(
        ref=node.ref,
        id=str(doc.attribute(node, "id")),
        name=str(_argument(doc, node, "name", node.logical_id)),
        type=str(_argument(doc, node, "authorizer_type", "REQUEST")),
        function=function.path if function is not None else None,
        qualifier=qualifier,
        payload_format_version=str(_argument(doc, node, "authorizer_payload_format_version", "1.0")),
        simple_responses=_argument(doc, node, "enable_simple_responses", False) in (True, "true"),
        identity_sources=tuple(str(s) for s in as_list(_argument(doc, node, "identity_sources", []))),
        ttl_s=int(_argument(doc, node, "authorizer_result_ttl_in_seconds", DEFAULT_AUTHORIZER_TTL_S)),
    )
