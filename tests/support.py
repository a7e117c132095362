"""Helpers shared by the tests: synthesizing a stack and reading the Terraform JSON back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tools.preflight import in_ci

if TYPE_CHECKING:  # cdktf starts the jsii kernel when imported: handler tests need none of it
    from cdktf import App, TerraformStack

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
FIRST_CODE = FUNCTIONS_DIR / "first"
SECOND_CODE = FUNCTIONS_DIR / "second"
LONG_JOB_CODE = FUNCTIONS_DIR / "long_job"
# What uuid.uuid4() gives: the job and chain ids.
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def new_app() -> App:
    from cdktf import Testing

    return Testing.app()


def new_stack(id: str = "test", *, name_prefix: str | None = None) -> TerraformStack:
    from cdktf import TerraformStack

    from components.naming import NAME_PREFIX_CONTEXT_KEY

    stack = TerraformStack(new_app(), id)
    if name_prefix:
        stack.node.set_context(NAME_PREFIX_CONTEXT_KEY, name_prefix)
    return stack


def synth(stack: TerraformStack) -> dict[str, Any]:
    from cdktf import Testing

    return json.loads(Testing.synth(stack))


def resources(synthesized: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """Resources of one type, keyed by logical id, without cdktf's metadata."""
    return {
        name: {k: v for k, v in body.items() if k != "//"}
        for name, body in synthesized.get("resource", {}).get(type_, {}).items()
    }


def data_sources(synthesized: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {
        name: {k: v for k, v in body.items() if k != "//"}
        for name, body in synthesized.get("data", {}).get(type_, {}).items()
    }


def only(mapping: dict[str, Any]) -> Any:
    assert len(mapping) == 1, f"expected exactly one entry, got {sorted(mapping)}"
    return next(iter(mapping.values()))


def logical_id(synthesized: dict[str, Any], type_: str, construct_path: str) -> str:
    """Logical id of the one resource of ``type_`` under ``construct_path`` ("First/LogGroup").

    cdktf's logical ids are the construct path joined with "_" (without "Resource"), plus a hash.
    """
    base = construct_path.replace("/", "_")
    matches = [
        name
        for name in synthesized.get("resource", {}).get(type_, {})
        if name == base or (name.startswith(base + "_") and "_" not in name[len(base) + 1 :])
    ]
    assert len(matches) == 1, f"{type_} under {construct_path!r}: {matches}"
    return matches[0]


def role_policy_statements(synthesized: dict[str, Any], function_path: str) -> list[dict[str, Any]]:
    """Statements of the default policy document of the function at ``function_path``."""
    prefix = function_path.replace("/", "_") + "_DefaultPolicyDocument_"
    documents = synthesized["data"]["aws_iam_policy_document"]
    matches = [body["statement"] for name, body in documents.items() if name.startswith(prefix)]
    assert len(matches) == 1, f"default policy documents of {function_path}: {len(matches)}"
    return matches[0]


def unplaced_after_topological_sort(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Kahn's algorithm over ``node -> dependencies``; returns the nodes on or behind a cycle."""
    remaining = {node: set(deps) & set(edges) for node, deps in edges.items()}
    while True:
        ready = [node for node, deps in remaining.items() if not deps]
        if not ready:
            return remaining
        for node in ready:
            del remaining[node]
        for deps in remaining.values():
            deps.difference_update(ready)


def needs(available: bool, what: str) -> pytest.MarkDecorator:
    """Skip a test when ``what`` is missing on a developer's machine; in CI it runs (and fails) instead."""
    return pytest.mark.skipif(not available and not in_ci(), reason=f"{what} is not installed (make setup installs it)")


def run_terraform(workdir: Path, *args: str, env: dict[str, str] | None = None, ok_codes=(0,), timeout: int = 300):
    """Run terraform non-interactively; fail with its output unless the exit code is in ``ok_codes``."""
    environment = {**(env if env is not None else os.environ), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    # Terraform and the AWS provider build a huge schema at each start. Collecting garbage less often,
    # on one thread, costs ~15% less CPU (measured: apply + plan + destroy of sqs-destination against
    # moto, 15.5-16.4 s against 18.6-19.0 s), and parallel test workers already keep the cores busy.
    environment.setdefault("GOGC", "800")
    environment.setdefault("GOMAXPROCS", "1")
    result = subprocess.run(
        ["terraform", *args, "-no-color"], cwd=workdir, env=environment, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode in ok_codes, (
        f"terraform {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


# What `make` and the tools need of the project to synthesize, deploy and run the stacks.
APP_FILES = (
    *("Makefile", "project.env", "main.py", "cdktf", "cdktf.json", "package.json", "package-lock.json"),
    *("Pipfile", "Pipfile.lock", "pyproject.toml"),
)
APP_FOLDERS = ("components", "stacks", "functions", "tools", "local_runtime")
# Installed environments: shared with the copy, never copied.
INSTALLED = (".venv", ".tools", "node_modules", "local_runtime/runtimes/node/node_modules")


def copy_of_app(destination: Path) -> Path:
    """A copy of the app in ``destination`` (file times kept, so `make` finds its setup done) to change freely."""
    destination.mkdir(parents=True)
    for name in APP_FILES:
        shutil.copy2(PROJECT_ROOT / name, destination / name)
    skipped = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
    for name in APP_FOLDERS:
        shutil.copytree(PROJECT_ROOT / name, destination / name, ignore=skipped)
    for name in INSTALLED:
        (destination / name).symlink_to(PROJECT_ROOT / name)
    return destination
