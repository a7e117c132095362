"""IAM roles: each role with its trust policy and the inline, managed and AWS-managed policies that
apply to its identity, as the file attaches them."""

from __future__ import annotations

from typing import Any

from local_runtime.model.document import Document, Node, as_list
from local_runtime.model.managed_policies import aws_managed, is_aws_managed
from local_runtime.model.policies import policy, statement
from local_runtime.model.records import Policy, Role


def roles(doc: Document) -> dict[str, Role]:
    """Every ``aws_iam_role`` of the file, by logical id."""
    return {node.logical_id: role(doc, node) for node in doc.resources("aws_iam_role")}


def role(doc: Document, node: Node) -> Role:
    context = f"{node.ref} ({node.path})"
    policies: list[Policy] = []
    inline: dict[str, Policy] = {}
    for attached in doc.resources("aws_iam_role_policy"):
        if doc.names_node(attached.get("role"), node, "name", "id"):
            name = attached.get("name") or attached.logical_id
            statements = policy(doc, attached.get("policy"), f"{attached.ref} ({attached.path}): policy")
            inline[name] = Policy(name, statements, "inline")
    for block in as_list(node.get("inline_policy")):
        if isinstance(block, dict) and block.get("policy") is not None:
            name = block.get("name", "inline")
            inline[name] = Policy(name, policy(doc, block.get("policy"), f"{context}: inline_policy"), "inline")
    policies += inline.values()
    managed_written: list[Any] = []
    for attachment in doc.resources("aws_iam_role_policy_attachment"):
        if doc.names_node(attachment.get("role"), node, "name", "id"):
            managed_written.append(attachment.get("policy_arn"))
    for attachment in doc.resources("aws_iam_policy_attachment"):
        if any(doc.names_node(r, node, "name", "id") for r in as_list(attachment.get("roles"))):
            managed_written.append(attachment.get("policy_arn"))
    managed_written += as_list(node.get("managed_policy_arns"))
    for written in managed_written:
        policies += managed_policy(doc, written, context)
    trust = policy(doc, node.get("assume_role_policy"), f"{context}: assume_role_policy")
    return Role(
        ref=node.ref,
        name=str(doc.attribute(node, "name")),
        arn=str(doc.attribute(node, "arn")),
        trust=trust,
        policies=tuple(policies),
        managed_policy_arns=tuple(sorted((str(w) for w in managed_written), key=str)),
    )


def managed_policy(doc: Document, written: Any, context: str) -> list[Policy]:
    node = doc.referenced(written)
    arn = doc.resolved(written, context)
    if node is None:
        node = next((p for p in doc.resources("aws_iam_policy") if doc.attribute(p, "arn") == arn), None)
    if node is not None and not node.data and node.type == "aws_iam_policy":
        statements = policy(doc, node.get("policy"), f"{node.ref} ({node.path}): policy")
        return [Policy(str(doc.attribute(node, "name")), statements, "managed", str(arn))]
    known = aws_managed(str(arn))
    if known is not None:
        name, documents = known
        statements = tuple(s for s in (statement(d, d, d) for d in documents) if s is not None)
        return [Policy(name, statements, "aws-managed", str(arn))]
    what = "an AWS-managed policy" if is_aws_managed(str(arn)) else "a policy"
    doc.problem(
        f"{context}: the managed policy {arn} is {what} this stack does not define and the local runtime "
        "does not know: it allows nothing here"
    )
    return []
