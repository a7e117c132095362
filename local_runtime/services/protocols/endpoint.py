"""The loopback endpoint every runtime's AWS SDK reaches (``AWS_ENDPOINT_URL``; runtimes send any
request for an AWS host here too).

A request is read in its service's own wire protocol into ``(service, operation, params)``, answered
by the services (``local_runtime.services.calls``) as the function whose handler is running, and
written back in that protocol: one set of services and permission checks for every runtime and SDK.
The service is the one the request is signed for (SigV4's credential
``<access key>/<date>/<region>/<service>/aws4_request``; the access key tells the calling
environment; the signature itself is not checked: the engine's own handlers are the only callers),
and its protocol the one botocore's service model names. A service or operation the engine does
not answer is refused with ``NotEmulated`` naming it, never passed on.

Listens on 127.0.0.1 only, on a port of its own, while the engine lives.
"""

from __future__ import annotations

import re
from typing import Any

from local_runtime import loopback
from local_runtime.errors import AwsError
from local_runtime.services.calls import Calls
from local_runtime.services.protocols import Request, Response, json_protocol, query, rest, service_model

_SCOPE = re.compile(r"Credential=([^/]*)/\d{8}/[^/]+/([^/]+)/aws4_request")
PROTOCOLS: dict[str, Any] = {"json": json_protocol, "query": query, "rest-json": rest, "rest-xml": rest}
# The services the engine answers, by the name their requests are signed with.
SERVICES = ("lambda", "sqs", "sns", "s3", "events", "dynamodb")


class Endpoint:
    """The endpoint of one engine (or command): ``url`` while it runs; ``close`` stops it."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        endpoint = self

        class Handler(loopback.Handler):
            def answer(self) -> None:
                request = Request.read(self.command, self.path, dict(self.headers), self.body())
                status, headers, body = endpoint.answer(request)
                if self.command == "HEAD":
                    headers = {**headers, "content-length": str(len(body))}
                    body = b""
                self.reply(status, body, headers)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = answer  # noqa: N815

        self.server = loopback.LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return f"http://{self.server.address}"

    def close(self) -> None:
        self.server.close()

    def answer(self, request: Request) -> Response:
        scope = _SCOPE.search(request.headers.get("authorization", ""))
        access_key, service = scope.groups() if scope else ("", "")
        if service not in SERVICES:
            failure = AwsError(
                "NotEmulated",
                f"the local engine does not emulate {service or 'this service'} ({request.method} {request.path}): "
                f"it answers {', '.join(SERVICES)}, and nothing reaches AWS",
                501,
            )
            return failure.status, {"x-amzn-errortype": failure.code}, failure.message.encode()
        model = service_model(service)
        protocol = PROTOCOLS[model.protocol]
        try:
            operation, params = protocol.parse(model, request)
            response = self.calls.call(service, operation, params, access_key)
        except AwsError as failure:
            return protocol.error(model, failure)
        return protocol.serialize(model, operation, response)
