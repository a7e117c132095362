"""IAM policies as the file writes them: statements from policy-document data sources, ``jsonencode``
or JSON text, each resolved, labelled and kept as written (for the policy snapshots)."""

from __future__ import annotations

import json
from typing import Any

from local_runtime.model import hcl
from local_runtime.model.document import LABEL, RESOLVED, WRITTEN, Document, Node, as_list
from local_runtime.model.records import Condition, Principal, Statement

POLICY_DOCUMENT = "aws_iam_policy_document"


def statement(written: Any, resolved: Any, label: Any) -> Statement | None:
    if not isinstance(resolved, dict):
        return None
    get = lambda raw, *keys: next((raw[k] for k in keys if isinstance(raw, dict) and k in raw), None)  # noqa: E731
    strings = lambda values: tuple(hcl.render(v) for v in as_list(values))  # noqa: E731
    resources = get(resolved, "resources", "Resource")
    return Statement(
        effect=str(get(resolved, "effect", "Effect") or "Allow"),
        actions=strings(get(resolved, "actions", "Action")),
        not_actions=strings(get(resolved, "not_actions", "NotAction")),
        resources=strings(resources),
        not_resources=strings(get(resolved, "not_resources", "NotResource")),
        principals=principals(get(resolved, "principals", "Principal")),
        not_principals=principals(get(resolved, "not_principals", "NotPrincipal")),
        conditions=conditions(get(resolved, "condition", "Condition")),
        sid=get(resolved, "sid", "Sid"),
        resource_labels=strings(get(label, "resources", "Resource")) if label is not None else strings(resources),
        written=written if isinstance(written, dict) else {},
    )


def policy(doc: Document, raw: Any, context: str) -> tuple[Statement, ...]:
    """The statements of a policy argument: a policy-document data source, jsonencode, or JSON text."""
    document = doc.referenced(raw)
    if document is not None and document.data and document.type == POLICY_DOCUMENT:
        return tuple(s for s in (document_statements(doc, document)) if s is not None)
    resolved = doc.json_argument(raw, RESOLVED, context)
    if not isinstance(resolved, dict):
        if resolved is not None:
            doc.problem(f"{context}: {str(raw)[:60]!r} is not a policy document")
        return ()
    label = doc.json_argument(raw, LABEL, context)
    written = doc.json_argument(raw, WRITTEN, context)
    statements = []
    for index, item in enumerate(as_list(resolved.get("Statement"))):
        parsed = statement(_item(written, "Statement", index), item, _item(label, "Statement", index))
        if parsed is not None:
            statements.append(parsed)
    return tuple(statements)


def document_statements(doc: Document, document: Node) -> list[Statement | None]:
    context = f"{document.ref} ({document.path})"
    found: list[Statement | None] = []
    for source in as_list(document.get("source_policy_documents")):
        found += policy(doc, source, f"{context}: source_policy_documents")
    blocks = as_list(document.get("statement"))
    for block in blocks:
        found.append(statement(block, doc.resolved(block, context), doc.labelled(block)))
    for override in as_list(document.get("override_policy_documents")):
        overrides = policy(doc, override, f"{context}: override_policy_documents")
        sids = {s.sid for s in overrides if s is not None and s.sid}
        found = [s for s in found if s is None or s.sid not in sids] + list(overrides)
    return found


def policy_document_json(doc: Document, document: Node) -> dict[str, Any]:
    statements = []
    for statement in document_statements(doc, document):
        if statement is None:
            continue
        rendered: dict[str, Any] = {"Effect": statement.effect}
        if statement.sid:
            rendered["Sid"] = statement.sid
        for target, values in (
            ("Action", statement.actions),
            ("NotAction", statement.not_actions),
            ("Resource", statement.resources),
            ("NotResource", statement.not_resources),
        ):
            if values:
                rendered[target] = list(values)
        if statement.principals:
            rendered["Principal"] = {p.type: list(p.identifiers) for p in statement.principals}
        if statement.conditions:
            condition: dict[str, Any] = {}
            for c in statement.conditions:
                condition.setdefault(c.test, {})[c.variable] = list(c.values)
            rendered["Condition"] = condition
        statements.append(rendered)
    return {"Version": "2012-10-17", "Statement": statements}


def document_json(doc: Document, document: Node) -> str:
    """A policy-document data source's ``json`` (and ``minified_json``) attribute."""
    return json.dumps(policy_document_json(doc, document), separators=(",", ":"))


DERIVED = {(POLICY_DOCUMENT, "json"): document_json, (POLICY_DOCUMENT, "minified_json"): document_json}


def _item(document: Any, key: str, index: int) -> Any:
    items = as_list(document.get(key)) if isinstance(document, dict) else []
    return items[index] if index < len(items) else None


def principals(raw: Any) -> tuple[Principal, ...]:
    if raw is None:
        return ()
    if raw == "*":
        return (Principal("*", ("*",)),)
    if isinstance(raw, dict):  # IAM JSON: {"Service": [...], "AWS": ...}
        return tuple(Principal(str(t), tuple(str(i) for i in as_list(ids))) for t, ids in raw.items())
    found = []
    for block in as_list(raw):  # policy-document data source: [{"type", "identifiers"}]
        if isinstance(block, dict):
            found.append(
                Principal(str(block.get("type", "")), tuple(str(i) for i in as_list(block.get("identifiers"))))
            )
    return tuple(found)


def conditions(raw: Any) -> tuple[Condition, ...]:
    if isinstance(raw, dict):  # IAM JSON: {"StringEquals": {"aws:SourceArn": "..."}}
        return tuple(
            Condition(str(test), str(variable), tuple(str(v) for v in as_list(values)))
            for test, block in raw.items()
            if isinstance(block, dict)
            for variable, values in block.items()
        )
    return tuple(
        Condition(str(c.get("test")), str(c.get("variable")), tuple(str(v) for v in as_list(c.get("values"))))
        for c in as_list(raw)
        if isinstance(c, dict)
    )
