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


def pytest_addoption(parser):
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        default=False,
        help="rewrite tests/__snapshots__ with the current policies instead of comparing",
    )


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
