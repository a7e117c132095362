"""Policy snapshots: every role's effective policies and every Lambda permission, per stack.

A change fails with a diff. If the change is intended, review the diff and run
``make test PYTEST_ARGS=--snapshot-update`` (or ``pipenv run pytest --snapshot-update``).
"""

import difflib
import json
import re
from pathlib import Path

import pytest

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "__snapshots__"
STACKS = ("function-destination", "sqs-destination", "response-only", "self-invoking")
REFERENCE = re.compile(r"^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_]+)\.[a-z_]+\}$")


def path_of(body):
    return body["//"]["metadata"]["path"].split("/", 1)[1]


def referenced(value, type_):
    """Logical id of the ``type_`` resource or data source ``value`` refers to, else None."""
    match = REFERENCE.match(value) if isinstance(value, str) else None
    return match.group(3) if match and match.group(2) == type_ else None


def policy_view(document):
    """Roles with their trust, inline and managed policies resolved; Lambda permissions."""
    resource = document.get("resource", {})
    documents = document.get("data", {}).get("aws_iam_policy_document", {})

    def statements(policy_json):
        return documents[referenced(policy_json, "aws_iam_policy_document")]["statement"]

    roles = {}
    for role_id, role in resource.get("aws_iam_role", {}).items():
        inline = {
            policy["name"]: statements(policy["policy"])
            for policy in resource.get("aws_iam_role_policy", {}).values()
            if referenced(policy["role"], "aws_iam_role") == role_id
        }
        managed = sorted(
            attachment["policy_arn"]
            for attachment in resource.get("aws_iam_role_policy_attachment", {}).values()
            if referenced(attachment["role"], "aws_iam_role") == role_id
        )
        roles[path_of(role)] = {
            "name": role["name"],
            "trust": statements(role["assume_role_policy"]),
            "inline_policies": inline,
            "managed_policies": managed,
        }
    permissions = {
        path_of(body): {k: v for k, v in body.items() if k != "//"}
        for body in resource.get("aws_lambda_permission", {}).values()
    }
    return {"roles": roles, "lambda_permissions": permissions}


def render(view):
    return json.dumps(view, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("stack", STACKS)
def test_policies_match_the_snapshot(stack, synthesized_app, request):
    # GIVEN the synthesized stack
    document = json.loads((synthesized_app / "stacks" / stack / "cdk.tf.json").read_text())
    actual = render(policy_view(document))
    snapshot = SNAPSHOT_DIR / f"{stack}.policies.json"
    if request.config.getoption("--snapshot-update"):
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(actual)
    # WHEN compared with the stored snapshot THEN they are identical
    if not snapshot.is_file():
        pytest.fail(f"no snapshot {snapshot.name}: run pytest --snapshot-update and review the file")
    expected = snapshot.read_text()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), f"snapshot/{snapshot.name}", "synthesized")
        )
        pytest.fail(f"IAM policies of stack {stack!r} changed:\n{diff}\nIf intended: pytest --snapshot-update", pytrace=False)


def test_a_role_policy_of_an_unknown_document_is_reported_not_ignored():
    # GIVEN a role policy that points at a document that is not in the stack
    document = {
        "resource": {
            "aws_iam_role": {"R": {"//": {"metadata": {"path": "s/R"}}, "name": "r", "assume_role_policy": "${data.aws_iam_policy_document.T.json}"}},
            "aws_iam_role_policy": {"P": {"name": "p", "role": "${aws_iam_role.R.id}", "policy": "${data.aws_iam_policy_document.Missing.json}"}},
        },
        "data": {"aws_iam_policy_document": {"T": {"statement": []}}},
    }
    # WHEN the view is built THEN it fails loudly rather than snapshotting an incomplete policy
    with pytest.raises(KeyError, match="Missing"):
        policy_view(document)
