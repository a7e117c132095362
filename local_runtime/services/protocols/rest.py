"""The REST protocols: REST-JSON (Lambda) and REST-XML (S3).

The operation is the one whose HTTP method and ``requestUri`` template (``/{Bucket}/{Key+}``,
``/{Bucket}?list-type=2``) the request matches, the most specific first; its parameters come from
where the shape puts them: the path, the query string, headers, and the body (a blob payload as it
came, other members as JSON). An S3 bucket named in the host (virtual-hosted style,
``<bucket>.s3.<region>.amazonaws.com``) is read as the path's first segment (path style). The
response goes back the same way: a ``statusCode`` member as the status, header members as headers,
the payload or the other members as the body (JSON, or XML for REST-XML).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from local_runtime.errors import AwsError
from local_runtime.services.protocols import Request, Response
from local_runtime.services.protocols.shapes import from_text, json_body, to_text, xml_document, xml_element

_S3_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.(s3[.-][a-z0-9.-]*amazonaws\.com(\.cn)?|s3\.amazonaws\.com|localhost)$"
)


def _template(uri: str) -> tuple[re.Pattern[str], dict[str, str], int]:
    """(path regex, query literals, how specific) of a ``requestUri`` template."""
    path, _, query = uri.partition("?")
    literals = {}
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        literals[key] = value
    regex = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            regex += f"(?P<{name.rstrip('+')}>.+)" if name.endswith("+") else f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(piece)
    specific = len(re.sub(r"\{[^}]+\}", "", path)) + 100 * len([k for k in literals if k != "x-id"])
    return re.compile(f"^{regex}$"), literals, specific


def _path(model: Any, request: Request) -> str:
    """The request's path, path-style for S3: a bucket named by the host (virtual-hosted style) put
    first, and a bucket's own path without the trailing slash the SDK for JavaScript sends
    (``/bucket/?list-type=2``): an object's key is never empty."""
    if model.service_name != "s3":
        return request.path
    match = _S3_HOST.match(request.host)
    path = f"/{match.group('bucket')}{request.path}" if match else request.path
    return path[:-1] if path.count("/") == 2 and path.endswith("/") else path


def parse(model: Any, request: Request) -> tuple[str, dict[str, Any]]:
    path = _path(model, request)
    found = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        if operation.http.get("method") != request.method:
            continue
        regex, literals, specific = _template(operation.http.get("requestUri", "/"))
        match = regex.match(path)
        if match is not None and _literals_hold(literals, request.query):
            named = request.query.get("x-id", [None])[-1] == name
            found.append(((named, specific), name, operation, match))
    # The most specific template first; of those sharing one (S3's PUT /{Bucket}/{Key+}: PutObject,
    # CopyObject, ...), the first whose required members the request has.
    for _, name, operation, match in sorted(found, key=lambda item: item[0], reverse=True):
        params = _bind(model, operation, request, {k: unquote(v) for k, v in match.groupdict().items()})
        required = operation.input_shape.required_members if operation.input_shape is not None else []
        if all(member in params for member in required):
            return name, params
    raise AwsError(
        "NotEmulated", f"the local engine does not emulate {model.service_name} {request.method} {path}", 501
    )


def _literals_hold(literals: dict[str, str], query: dict[str, list[str]]) -> bool:
    """Whether the query has each key the template fixes (with its value, where it fixes one); ``x-id``
    only names the operation, which some SDKs leave out."""
    return all(
        key == "x-id" or (key in query and (not value or query[key][-1] == value)) for key, value in literals.items()
    )


def _bind(model: Any, operation: Any, request: Request, uri: dict[str, str]) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    payload = shape.serialization.get("payload")
    body_members = {}
    for name, member in shape.members.items():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "uri" and wire in uri:
            params[name] = uri[wire]
        elif location == "querystring" and wire in request.query:
            values = request.query[wire]
            params[name] = (
                [from_text(member.member, v) for v in values]
                if member.type_name == "list"
                else from_text(member, values[-1])
            )
        elif location == "header" and wire.lower() in request.headers:
            params[name] = (
                from_text(member, request.headers[wire.lower()])
                if member.type_name != "blob"
                else request.headers[wire.lower()]
            )
        elif location == "headers":
            prefix = wire.lower()
            found = {k[len(prefix) :]: v for k, v in request.headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
        elif location is None and name != payload:
            body_members[name] = member
    if payload is not None:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            params[payload] = request.body
        elif request.body:
            params[payload] = _json(request.body)
    elif body_members and request.body and model.protocol == "rest-json":
        document = _json(request.body)
        params.update({name: document[name] for name in body_members if name in document})
    return params


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise AwsError("SerializationException", "the request body is not JSON", 400) from None


def serialize(model: Any, operation_name: str, response: dict[str, Any]) -> Response:
    operation = model.operation_model(operation_name)
    shape = operation.output_shape
    status = int(operation.http.get("responseCode", 200))
    headers: dict[str, str] = {"x-amzn-requestid": str(uuid.uuid4())}
    if shape is None:
        return status, headers, b""
    payload = shape.serialization.get("payload")
    body_members = {}
    for name, member in shape.members.items():
        if name not in response or response[name] is None:
            continue
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "statusCode":
            status = int(response[name])
        elif location == "header":
            headers[wire.lower()] = to_text(member, response[name], timestamps="rfc822")
        elif location == "headers":
            headers.update({f"{wire.lower()}{k}": str(v) for k, v in response[name].items()})
        elif location is None and name != payload:
            body_members[name] = response[name]
    if payload is not None:
        value = response.get(payload)
        if isinstance(value, (bytes, bytearray)):
            return status, headers, bytes(value)
        if isinstance(value, str):
            return status, headers, value.encode()
        return status, {**headers, "content-type": "application/json"}, json_body(value) if value is not None else b""
    if model.protocol == "rest-json":
        return status, {**headers, "content-type": "application/json"}, json_body(body_members)
    if not body_members:
        return status, headers, b""
    root = ElementTree.Element("root")
    xml_element(root, _root_name(shape), shape, body_members)
    (element,) = list(root)
    if model.metadata.get("xmlNamespace"):
        element.set("xmlns", str(model.metadata["xmlNamespace"]))
    return status, {**headers, "content-type": "application/xml"}, xml_document(element)


# The XML root of a REST-XML response, where the shape's own name is not it (S3's ListObjectsV2).
_ROOTS = {"ListObjectsV2Output": "ListBucketResult", "ListObjectsOutput": "ListBucketResult"}


def _root_name(shape: Any) -> str:
    return str(shape.serialization.get("name") or _ROOTS.get(shape.name, shape.name.removesuffix("Output")))


def error(model: Any, failure: AwsError) -> Response:
    headers = {"x-amzn-errortype": failure.code, "x-amzn-requestid": str(uuid.uuid4())}
    if model.protocol == "rest-json":
        body = json_body({"Type": "User", "message": failure.message, "Message": failure.message, **failure.fields})
        return failure.status, {**headers, "content-type": "application/json"}, body
    root = ElementTree.Element("Error")
    ElementTree.SubElement(root, "Code").text = failure.code
    ElementTree.SubElement(root, "Message").text = failure.message
    ElementTree.SubElement(root, "RequestId").text = headers["x-amzn-requestid"]
    return failure.status, {**headers, "content-type": "application/xml"}, xml_document(root)
