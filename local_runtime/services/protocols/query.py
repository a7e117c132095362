"""The query protocol (SNS): a form-encoded ``POST`` with ``Action``, ``Version`` and the parameters
flattened by their shapes (``Name.member.1``, ``Name.entry.1.Name``); the response and its errors in XML
(``<ActionResponse><ActionResult>``, ``<ErrorResponse><Error>``)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

from local_runtime.errors import AwsError
from local_runtime.services.protocols import Request, Response
from local_runtime.services.protocols.shapes import from_text, member_name, xml_document, xml_element


def parse(model: Any, request: Request) -> tuple[str, dict[str, Any]]:
    fields = {key: values[-1] for key, values in parse_qs(request.body.decode(), keep_blank_values=True).items()}
    fields.update({key: values[-1] for key, values in request.query.items()})
    operation = fields.get("Action", "")
    if operation not in model.operation_names:
        raise AwsError("InvalidAction", f"The action {operation or '(none)'} is not valid for this web service", 400)
    shape = model.operation_model(operation).input_shape
    return operation, _structure(shape, "", fields) if shape is not None else {}


def _structure(shape: Any, prefix: str, fields: dict[str, str]) -> dict[str, Any]:
    found = {}
    for name, member in shape.members.items():
        value = _value(member, f"{prefix}{member_name(name, member)}", fields)
        if value is not None:
            found[name] = value
    return found


def _value(shape: Any, key: str, fields: dict[str, str]) -> Any:
    kind = shape.type_name
    if kind == "structure":
        found = _structure(shape, f"{key}.", fields)
        return found or None
    if kind == "list":
        flattened = shape.serialization.get("flattened")
        base = key if flattened else f"{key}.{member_name('member', shape.member)}"
        items: list[Any] = []
        while (item := _value(shape.member, f"{base}.{len(items) + 1}", fields)) is not None:
            items.append(item)
        return items or None
    if kind == "map":
        base = key if shape.serialization.get("flattened") else f"{key}.entry"
        found, index = {}, 1
        while (name := fields.get(f"{base}.{index}.{member_name('key', shape.key)}")) is not None:
            found[name] = _value(shape.value, f"{base}.{index}.{member_name('value', shape.value)}", fields)
            index += 1
        return found or None
    return from_text(shape, fields[key]) if key in fields else None


def _namespace(model: Any) -> str:
    return str(model.metadata.get("xmlNamespace", ""))


def serialize(model: Any, operation: str, response: dict[str, Any]) -> Response:
    root = ElementTree.Element(f"{operation}Response", xmlns=_namespace(model))
    shape = model.operation_model(operation).output_shape
    if shape is not None:
        xml_element(root, shape.serialization.get("resultWrapper", f"{operation}Result"), shape, response)
    metadata = ElementTree.SubElement(root, "ResponseMetadata")
    ElementTree.SubElement(metadata, "RequestId").text = str(uuid.uuid4())
    return 200, {"content-type": "text/xml"}, xml_document(root)


def error(model: Any, failure: AwsError) -> Response:
    root = ElementTree.Element("ErrorResponse", xmlns=_namespace(model))
    detail = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(detail, "Type").text = "Sender" if failure.status < 500 else "Receiver"
    ElementTree.SubElement(detail, "Code").text = failure.code
    ElementTree.SubElement(detail, "Message").text = failure.message
    ElementTree.SubElement(root, "RequestId").text = str(uuid.uuid4())
    return failure.status, {"content-type": "text/xml"}, xml_document(root)
