"""Values as botocore's shapes say they travel: scalars read from text (query strings, headers, form
fields), and structures written as XML (the query and REST-XML protocols) or JSON."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any
from xml.etree import ElementTree


def from_text(shape: Any, text: str) -> Any:
    """A scalar of ``shape`` from its text form."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "blob":
        return base64.b64decode(text)
    return text


def to_text(shape: Any, value: Any, *, timestamps: str = "iso8601") -> str:
    """A scalar of ``shape`` as text (an XML element's; a header's, whose timestamps are ``rfc822``
    unless the shape says otherwise, as the REST protocols define them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        moment = value.astimezone(datetime.UTC)
        written = shape.serialization.get("timestampFormat") if shape is not None else None
        if (written or timestamps) == "rfc822":
            return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
        if written == "unixTimestamp":
            return str(int(moment.timestamp()))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return str(value)


def member_name(name: str, shape: Any) -> str:
    return str(shape.serialization.get("name", name))


def xml_element(parent: ElementTree.Element, name: str, shape: Any, value: Any) -> None:
    """``value`` of ``shape`` as child element(s) ``name`` of ``parent``."""
    kind = shape.type_name
    if kind == "list":
        inner = shape.member
        if shape.serialization.get("flattened"):
            for item in value:
                xml_element(parent, member_name(name, inner) if inner.serialization.get("name") else name, inner, item)
            return
        holder = ElementTree.SubElement(parent, name)
        for item in value:
            xml_element(holder, member_name("member", inner), inner, item)
        return
    if kind == "map":
        holder = parent if shape.serialization.get("flattened") else ElementTree.SubElement(parent, name)
        for key, item in value.items():
            entry = ElementTree.SubElement(holder, name if shape.serialization.get("flattened") else "entry")
            ElementTree.SubElement(entry, member_name("key", shape.key)).text = to_text(shape.key, key)
            xml_element(entry, member_name("value", shape.value), shape.value, item)
        return
    element = ElementTree.SubElement(parent, name)
    if kind == "structure":
        for key, member in shape.members.items():
            if key in value and value[key] is not None and member.serialization.get("location") is None:
                xml_element(element, member_name(key, member), member, value[key])
        return
    element.text = to_text(shape, value)


def xml_document(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_body(value: Any) -> bytes:
    return json.dumps(value, default=json_default).encode()
