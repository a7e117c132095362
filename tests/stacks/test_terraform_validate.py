"""terraform validate and graph on every synthesized stack (offline provider mirror when present)."""

import json
import re
import shutil

import pytest

from main import STACKS
from tests.support import run_terraform, unplaced_after_topological_sort

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)";?$')


def terraform(workdir, *args):
    return run_terraform(workdir, *args).stdout


def stack_copy(synthesized_app, stack, tmp_path):
    """The stack's cdk.tf.json alone in a folder of this test: parallel workers never share a .terraform."""
    shutil.copy(synthesized_app / "stacks" / stack / "cdk.tf.json", tmp_path)
    return tmp_path


@pytest.mark.terraform
@pytest.mark.parametrize("stack", STACKS)
def test_stack_is_valid_terraform(stack, synthesized_app, tmp_path):
    # GIVEN a synthesized stack, initialized without its backend
    workdir = stack_copy(synthesized_app, stack, tmp_path)
    terraform(workdir, "init", "-backend=false", "-input=false")
    # WHEN validated THEN terraform reports no error and no warning
    report = json.loads(terraform(workdir, "validate", "-json"))
    assert (report["valid"], report["error_count"], report["warning_count"]) == (True, 0, 0), report["diagnostics"]


@pytest.mark.terraform
def test_self_invoking_stack_graph_has_no_cycle(synthesized_app, tmp_path):
    # GIVEN the self-invoking stack, initialized with its local backend moved to a temp file
    workdir = stack_copy(synthesized_app, "self-invoking", tmp_path)
    terraform(workdir, "init", "-input=false", "-reconfigure", f"-backend-config=path={tmp_path / 'state.tfstate'}")
    # WHEN terraform draws the dependency graph
    edges: dict[str, set[str]] = {}
    for line in terraform(workdir, "graph").splitlines():
        match = EDGE.match(line)
        if match:
            edges.setdefault(match.group(1), set()).add(match.group(2))
            edges.setdefault(match.group(2), set())
    # THEN the policy document depends on the function it grants, and the graph still sorts completely
    document = next(
        node for node in edges if node.startswith("data.aws_iam_policy_document.LongJob_DefaultPolicyDocument")
    )
    assert any(dep.startswith("aws_lambda_function.LongJob_") for dep in edges[document])
    assert unplaced_after_topological_sort(edges) == {}


def test_default_backend_is_local_state_in_the_project_folder(synthesized_app):
    document = json.loads((synthesized_app / "stacks" / "sqs-destination" / "cdk.tf.json").read_text())
    assert document["terraform"]["backend"]["local"]["path"].endswith("terraform.sqs-destination.tfstate")
