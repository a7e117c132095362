"""CORS as an HTTP API with a ``cors_configuration`` answers it (``lambda-local api``).

"Configure CORS for HTTP APIs in API Gateway"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html):

- API Gateway answers a preflight itself, "even if there isn't an OPTIONS route configured": an
  ``OPTIONS`` request with an ``Origin`` and an ``Access-Control-Request-Method`` header. A route that
  takes ``OPTIONS`` (an ``OPTIONS`` or ``ANY`` route, or ``$default``, which "catches requests for all
  methods ... including OPTIONS requests") gets it instead: the caller decides (``is_preflight``);
- to any other request with an ``Origin`` it "adds the configured CORS headers to the response from an
  integration", and "ignores CORS headers returned from your backend integration";
- ``allowOrigins``: an origin, ``*`` (any), ``https://*`` or ``http://*`` (any origin of that scheme).

What the page does not say, chosen here: the preflight answer is ``204`` with no body; it carries the
configured methods, headers and max age as configured, joined with commas, and leaves checking the
requested method and headers against them to the browser, as a CORS response does; an origin the
configuration does not allow gets the same ``204`` (or the integration's response) with no CORS
header at all, so the browser refuses it; an allowed origin is echoed, or ``*`` when ``*`` is allowed.
"""

from __future__ import annotations

from local_runtime.model.records import Cors

Headers = tuple[tuple[str, str], ...]
PREFLIGHT_STATUS = 204


def is_preflight(method: str, origin: str | None, requested_method: str | None) -> bool:
    """Whether a request is a CORS preflight: ``OPTIONS`` with an origin and the method it asks for."""
    return method == "OPTIONS" and bool(origin) and bool(requested_method)


def allowed_origin(cors: Cors, origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin``: ``*``, the origin itself, or None (refused)."""
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return "*"
    asked = origin.lower()
    for allowed in (a.lower() for a in cors.allow_origins):
        if asked == allowed or (allowed.endswith("://*") and asked.startswith(allowed[:-1])):
            return origin
    return None


def _granted(cors: Cors, origin: str | None) -> list[tuple[str, str]] | None:
    """The headers every CORS answer to an allowed origin starts with; None for an origin not allowed."""
    allow = allowed_origin(cors, origin)
    if allow is None:
        return None
    headers = [("access-control-allow-origin", allow)]
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    return headers


def preflight_headers(cors: Cors, origin: str | None) -> Headers:
    """What API Gateway's own answer to a preflight carries: nothing for an origin it does not allow."""
    headers = _granted(cors, origin)
    if headers is None:
        return ()
    if cors.allow_methods:
        headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
    if cors.allow_headers:
        headers.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    return tuple(headers)


def response_headers(cors: Cors, origin: str | None, headers: Headers) -> Headers:
    """An integration's response headers as API Gateway sends them on: its own CORS headers dropped, and
    the configured ones added for an allowed origin."""
    kept = tuple((name, value) for name, value in headers if not name.lower().startswith("access-control-"))
    added = _granted(cors, origin)
    if added is None:
        return kept
    if cors.expose_headers:
        added.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    return kept + tuple(added)
