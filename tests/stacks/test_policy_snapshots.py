"""Policy snapshots (syrupy): every role's effective policies and every Lambda permission, per stack.

The snapshots are sorted, pretty JSON in ``__snapshots__/test_policy_snapshots/``. A change fails with
a diff; an intended one is accepted after review with ``make test PYTEST_ARGS=--snapshot-update``. A
snapshot no test uses any more fails the run (remove it with ``--snapshot-update``).
"""

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from local_runtime.model import load_stack, read_stack, stack_file
from main import STACKS


class IncompletePolicies(AssertionError):
    """The model could not read every policy: a snapshot of it would be incomplete."""


def policy_view(stack):
    """Roles with their trust, inline and managed policies as written; Lambda permissions (the model's)."""
    if stack.problems:
        raise IncompletePolicies("; ".join(stack.problems))
    roles = {
        role.path: {
            "name": role.name,
            "trust": [dict(s.written) for s in role.trust],
            "inline_policies": role.inline_policies,
            "managed_policies": list(role.managed_policy_arns),
        }
        for role in stack.roles.values()
    }
    permissions = {permission.ref.path: dict(permission.written) for permission in stack.permissions}
    return {"roles": roles, "lambda_permissions": permissions}


@pytest.fixture
def snapshot_json(snapshot):
    """Snapshots as sorted, pretty JSON files (syrupy), one per stack."""
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", STACKS)
def test_policies_match_the_snapshot(stack, synthesized_app, snapshot_json):
    # GIVEN the synthesized stack WHEN its policies are viewed THEN they equal the reviewed snapshot
    assert policy_view(load_stack(stack_file(synthesized_app, stack))) == snapshot_json


def test_a_role_policy_of_an_unknown_document_is_reported_not_ignored():
    # GIVEN a role policy that points at a document that is not in the stack
    document = {
        "resource": {
            "aws_iam_role": {
                "R": {
                    "//": {"metadata": {"path": "s/R"}},
                    "name": "r",
                    "assume_role_policy": "${data.aws_iam_policy_document.T.json}",
                }
            },
            "aws_iam_role_policy": {
                "P": {
                    "name": "p",
                    "role": "${aws_iam_role.R.id}",
                    "policy": "${data.aws_iam_policy_document.Missing.json}",
                }
            },
        },
        "data": {"aws_iam_policy_document": {"T": {"statement": []}}},
    }
    # WHEN the view is built THEN it fails loudly rather than snapshotting an incomplete policy
    with pytest.raises(
        IncompletePolicies, match="names data source aws_iam_policy_document.Missing, which is not in the file"
    ):
        policy_view(read_stack("s", document))
