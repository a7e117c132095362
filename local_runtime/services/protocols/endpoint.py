"""The loopback endpoint other runtimes' AWS SDKs reach through ``AWS_ENDPOINT_URL``.

Every request is parsed from the service's own wire protocol into ``(service, operation, params)``
and answered by ``AwsCalls`` (``local_runtime.services.calls``), the implementation the Python
runtime's calls reach too, as the function whose handler is running: one set of services and
permission checks for every runtime.

- the service is the one the request is signed for (SigV4's credential scope
  ``<date>/<region>/<service>/aws4_request``; the signature itself is not checked: the engine's own
  handlers are the only callers);
- Lambda (REST-JSON): ``POST /2015-03-31/functions/{FunctionName}/invocations`` with
  ``X-Amz-Invocation-Type`` and ``?Qualifier=``, the body being the payload;
- JSON-protocol services (DynamoDB, SQS, EventBridge): ``X-Amz-Target: <Prefix>.<Operation>`` and
  a JSON body;
- errors as those protocols carry them: the status, ``x-amzn-ErrorType`` and a JSON body with
  ``__type`` and ``message``.

Listens on 127.0.0.1 only, on a port of its own, while the engine lives.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local_runtime import loopback
from local_runtime.errors import AwsError
from local_runtime.services.calls import AwsCalls

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class Endpoint:
    """The endpoint of one engine: ``url`` while it runs; ``close`` stops it."""

    def __init__(self, calls: AwsCalls) -> None:
        self.calls = calls
        endpoint = self

        class Handler(loopback.Handler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                status, headers, body = endpoint.answer(self.command, self.path, dict(self.headers), self.body())
                self.reply(status, body, headers)

            do_GET = do_PUT = do_DELETE = do_POST  # noqa: N815

        self.server = loopback.LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return f"http://{self.server.address}"

    def close(self) -> None:
        self.server.close()

    # --- requests --------------------------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {k.lower(): v for k, v in headers.items()}
        scope = _SCOPE.search(headers.get("authorization", ""))
        service = scope.group(1) if scope else ""
        url = urlsplit(target)
        try:
            operation, params = self._parse(service, method, url.path, parse_qs(url.query), headers, body)
            response = self.calls.call(service, operation, params)
        except AwsError as error:
            return self._error(error)
        request_id = str(uuid.uuid4())
        if service == "lambda" and operation == "Invoke":
            return (
                int(response.get("StatusCode", 200)),
                {"x-amzn-requestid": request_id},
                bytes(response.get("Payload") or b""),
            )
        content = json.dumps(response, default=_json_default).encode()
        return 200, {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": request_id}, content

    def _parse(
        self, service: str, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[str, dict[str, Any]]:
        if service == "lambda":
            invoke = _INVOKE.match(path)
            if method != "POST" or invoke is None:
                raise AwsError("NotEmulated", f"the local engine does not emulate lambda {method} {path}", 501)
            params: dict[str, Any] = {
                "FunctionName": unquote(invoke.group(1)),
                "InvocationType": headers.get("x-amz-invocation-type", "RequestResponse"),
                "Payload": body,
            }
            if query.get("Qualifier"):
                params["Qualifier"] = query["Qualifier"][0]
            return "Invoke", params
        target = headers.get("x-amz-target", "")
        if "." in target:
            try:
                parsed = json.loads(body or b"{}")
            except json.JSONDecodeError:
                raise AwsError("SerializationException", "the request body is not JSON", 400) from None
            return target.rsplit(".", 1)[1], parsed
        raise AwsError(
            "NotEmulated",
            f"the local engine does not emulate {service or 'this service'} ({method} {path}): "
            "only lambda.Invoke and DynamoDB reach it, and nothing reaches AWS",
            501,
        )

    @staticmethod
    def _error(error: AwsError) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps({"__type": error.code, "message": error.message, "Message": error.message}).encode()
        return error.status, {"content-type": "application/x-amz-json-1.0", "x-amzn-errortype": error.code}, body
