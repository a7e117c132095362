"""The AWS wire protocols, one module each, read from botocore's service models (the shapes, HTTP
methods and paths every SDK is generated from): ``json_protocol`` (SQS, EventBridge, DynamoDB),
``query`` (SNS), ``rest`` (REST-JSON for Lambda, REST-XML for S3), and the endpoint they serve.

Each protocol ``parse``s a ``Request`` into ``(operation, params)`` as the service model names
them, ``serialize``s a response dict back as the SDKs read it, and writes an ``AwsError`` as that
protocol carries errors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @classmethod
    def read(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        """The request as sent; a body in ``aws-chunked`` encoding (an SDK streaming to an HTTPS host,
        with its checksum in a trailer) read back into its bytes."""
        url = urlsplit(target)
        named = {k.lower(): v for k, v in headers.items()}
        if "aws-chunked" in named.get("content-encoding", "") or named.get("x-amz-content-sha256", "").startswith(
            "STREAMING-"
        ):
            body = unchunked(body)
        return cls(method, url.path, parse_qs(url.query, keep_blank_values=True), named, body)

    @property
    def host(self) -> str:
        """The host the SDK meant (the runtimes pass it on when they send an AWS host's request here)."""
        return (self.headers.get("x-lambda-local-host") or self.headers.get("host", "")).split(":")[0]


Response = tuple[int, dict[str, str], bytes]


def unchunked(body: bytes) -> bytes:
    """The data of an ``aws-chunked`` body: ``<hex size>[;chunk-signature=...]\\r\\n<data>\\r\\n``
    chunks up to one of size 0, then trailers (SigV4's "Signature calculations for streaming uploads")."""
    data, at = bytearray(), 0
    while at < len(body):
        line_end = body.find(b"\r\n", at)
        if line_end < 0:
            break
        size = int(body[at:line_end].split(b";", 1)[0] or b"0", 16)
        if size == 0:
            break
        data += body[line_end + 2 : line_end + 2 + size]
        at = line_end + 2 + size + 2
    return bytes(data)


@functools.cache
def service_model(name: str) -> Any:
    """botocore's model of the service ``name`` (its signing name: sqs, sns, s3, lambda, events, dynamodb)."""
    from botocore.session import get_session

    return get_session().get_service_model(name)
