"""Test-session setup. Runs before any test module imports cdktf."""

import fcntl
import os
import shutil
import sys
from pathlib import Path

import pytest

from tools.project_env import apply_project_env

sys.dont_write_bytecode = True
# What make sets (project.env): jsii prints an end-of-life banner for Node 20 on every process start otherwise.
apply_project_env()

from components import provider_imports  # noqa: E402
from tools.preflight import in_ci, terraform_problem  # noqa: E402
from tools.terraform_cli import write_config  # noqa: E402

# Only the provider submodules the tests use are imported (see components/provider_imports.py).
provider_imports.install()

# cdktf reads TF_CLI_CONFIG_FILE when it is imported; the file points terraform at the offline
# provider mirror when the machine has one.
os.environ["TF_CLI_CONFIG_FILE"] = str(write_config())


# The fixtures users get for testing their own flows (local_stack) come from the local runtime's pytest
# plugin, registered by its package's entry point (pyproject.toml); cdktf_outdir is overridden below.

# Another project's files, copied out of this tree by tests/local_runtime/test_package.py: not our tests.
collect_ignore = ["local_runtime/package_project"]

# What `make check` leaves to `make test`.
NOT_QUICK = ("terraform", "emulator", "aws", "slow")


def pytest_addoption(parser):
    parser.addoption(
        "--quick", action="store_true", help=f"only the tests `make check` runs: none marked {', '.join(NOT_QUICK)}"
    )


# First, so that syrupy records only what runs: with `-m` instead, it cannot tell an unused snapshot
# from one whose test was deselected, and reports none.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """``--quick`` selection, then longest first, so parallel workers (pytest-xdist) do not wait on one at the end."""
    if config.getoption("quick"):
        left = [item for item in items if any(item.get_closest_marker(name) for name in NOT_QUICK)]
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = [item for item in items if item not in left]

    def rank(item):
        if item.get_closest_marker("emulator"):
            return 0
        return 1 if item.get_closest_marker("slow") or item.get_closest_marker("terraform") else 2

    items.sort(key=rank)


def pytest_runtest_setup(item):
    """Tests that run terraform (markers ``terraform``, ``emulator``) skip without it, except in CI, where they fail."""
    needs_terraform = item.get_closest_marker("terraform") or item.get_closest_marker("emulator")
    if needs_terraform and shutil.which("terraform") is None:
        if in_ci():
            pytest.fail(terraform_problem(), pytrace=False)
        pytest.skip("terraform is not installed")


def produced_once(tmp_path_factory, name, produce):
    """The folder ``name`` filled by ``produce(folder)`` once per test run, however many workers ask.

    Under pytest-xdist the workers share it: the first one produces it, under a lock, the others wait
    and read (a synth or a checkov scan is seconds of CPU per worker otherwise).
    """
    in_worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared_root = tmp_path_factory.getbasetemp().parent if in_worker else tmp_path_factory.getbasetemp()
    folder, done = shared_root / name, shared_root / f"{name}.done"
    with (shared_root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir(exist_ok=True)
            produce(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory):
    """Output folder of ``main.build`` with default settings: synthesized once per test run."""

    def synthesize(outdir):
        from cdktf import App

        from main import build
        from stacks import Settings

        app = App(outdir=str(outdir))
        build(app, Settings())
        app.synth()

    return produced_once(tmp_path_factory, "synthesized-app", synthesize)


# The TerraConstructs app's stacks, synthesized by its own cdktf 0.20 app (tests/corpus/make.py).
TERRACONSTRUCTS_OUTDIR = Path(__file__).resolve().parent / "corpus" / "terraconstructs" / "synthesized"


@pytest.fixture(scope="session")
def terraconstructs_outdir():
    return TERRACONSTRUCTS_OUTDIR


@pytest.fixture(scope="session")
def provider_classes_outdir(tmp_path_factory):
    """The stacks of tests/corpus/provider_classes (the AWS provider classes alone), synthesized once per run."""
    from tests.corpus.make import synthesize_provider_classes

    return produced_once(tmp_path_factory, "provider-classes", synthesize_provider_classes)


@pytest.fixture(scope="session")
def cdktf_outdir(synthesized_app):
    """local_runtime.testing's stacks: this project's app, synthesized in the test session."""
    return synthesized_app


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory):
    """``once_per_run(name, produce)``: see ``produced_once``."""
    return lambda name, produce: produced_once(tmp_path_factory, name, produce)


@pytest.fixture(scope="session")
def extras_outdir(tmp_path_factory):
    """A stack using what the four mission stacks do not: aliases, an S3 destination, existing resources.

    First publishes; its alias "live" sends successes to Second's alias "live" and failures to a bucket.
    First's $LATEST sends successes to an existing queue and failures to an existing function, by ARN.
    """
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.provider import AwsProvider
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

    from components import Function, FunctionDestination, S3Destination, SqsDestination
    from tests.support import FIRST_CODE, SECOND_CODE

    outdir = tmp_path_factory.mktemp("extras")
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "extras")
    AwsProvider(stack, "aws", region="us-east-1")
    first = Function(stack, "First", code=FIRST_CODE, publish=True)
    second = Function(stack, "Second", code=SECOND_CODE, publish=True)
    bucket = S3Bucket(stack, "Failures", bucket="extras-failures")
    first.add_alias("live").configure_async_invoke(
        on_success=FunctionDestination(second.add_alias("live")), on_failure=S3Destination(bucket)
    )
    first.configure_async_invoke(
        on_success=SqsDestination("arn:aws:sqs:us-east-1:111122223333:orders"),
        on_failure=FunctionDestination("arn:aws:lambda:us-east-1:111122223333:function:audit"),
    )
    app.synth()
    return outdir
