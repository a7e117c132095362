"""Test-session setup. Runs before any test module imports cdktf."""

import os
import sys

import pytest

sys.dont_write_bytecode = True
# jsii prints an end-of-life banner for Node 20 on every process start otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from components import provider_imports  # noqa: E402
from tools.terraform_cli import write_config  # noqa: E402

# Only the provider submodules the tests use are imported (see components/provider_imports.py).
provider_imports.install()

# cdktf reads TF_CLI_CONFIG_FILE when it is imported; the file points terraform at the offline
# provider mirror when the machine has one.
os.environ["TF_CLI_CONFIG_FILE"] = str(write_config())


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory):
    """Output folder of ``main.build`` with default settings, synthesized once per test session."""
    from cdktf import App

    from main import build
    from stacks import Settings

    outdir = tmp_path_factory.mktemp("cdktf.out")
    app = App(outdir=str(outdir))
    build(app, Settings())
    app.synth()
    return outdir


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
