"""Policy snapshots: every role's effective policies and every Lambda permission, per stack.

A change fails with a diff. If the change is intended, review the diff and run
``make test PYTEST_ARGS=--snapshot-update`` (or ``pipenv run pytest --snapshot-update``).
"""

import difflib
import json
from pathlib import Path

import pytest

from main import STACKS
from tools.wiring import Stack, WiringError, load_stack, stack_file

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "__snapshots__"
def policy_view(stack):
    """Roles with their trust, inline and managed policies; Lambda permissions (through tools.wiring)."""
    roles = {
        role.path: {
            "name": role.name,
            "trust": role.trust,
            "inline_policies": role.inline_policies,
            "managed_policies": role.managed_policies,
        }
        for role in stack.roles.values()
    }
    permissions = {
        permission.resource.path: {k: v for k, v in permission.resource.body.items() if k != "//"}
        for permission in stack.permissions
    }
    return {"roles": roles, "lambda_permissions": permissions}


def render(view):
    return json.dumps(view, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("stack", STACKS)
def test_policies_match_the_snapshot(stack, synthesized_app, request):
    # GIVEN the synthesized stack
    actual = render(policy_view(load_stack(stack_file(synthesized_app, stack))))
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
    with pytest.raises(WiringError, match="names data source aws_iam_policy_document.Missing, which is not in the file"):
        policy_view(Stack("s", document))
