"""The local runtime as a package: a wheel of this checkout, installed into another project's fresh venv.

The other project (``package_project/``, copied to a temporary folder outside this tree) is a cdktf
app of its own, written with cdktf's core classes alone, with a pytest test and no conftest.py. Its
venv gets cdktf (to synthesize) and the wheel with its declared dependencies, from the package
index (pip's cache, after setup), and nothing of this project.
"""

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parents[2]
OTHER_PROJECT = Path(__file__).resolve().parent / "package_project"


def run(command, cwd, env=None, timeout=600):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def built_wheel(workdir):
    """A wheel built from a copy of the package's sources (the build leaves nothing in the checkout)."""
    source = workdir / "source"
    source.mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", source)
    shutil.copytree(PROJECT_ROOT / "docs", source / "docs")
    shutil.copytree(
        PROJECT_ROOT / "local_runtime",
        source / "local_runtime",
        ignore=shutil.ignore_patterns("node_modules", "__pycache__"),
    )
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", workdir / "dist", "."], source
    )
    (wheel,) = (workdir / "dist").glob("cdktf_lambda_local-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the other project's folder, its venv's bin folder, its environment) with the wheel installed."""
    workdir = tmp_path_factory.mktemp("package")
    wheel = built_wheel(workdir)
    project = workdir / "doubler-project"
    shutil.copytree(OTHER_PROJECT, project)
    venv.create(workdir / "venv", with_pip=True)
    bin_dir = workdir / "venv" / "bin"
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "CDKTF_OUTDIR")
    }
    environment.update(PATH=f"{bin_dir}{os.pathsep}{environment['PATH']}", PIP_DISABLE_PIP_VERSION_CHECK="1")
    run(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", f"{wheel}[pytest]", "cdktf==0.21.0"],
        project,
        environment,
    )
    return project, bin_dir, environment


def test_the_wheel_installs_the_command_and_the_plugin_and_nothing_of_this_project(installed):
    project, bin_dir, environment = installed
    # GIVEN the other project's venv
    listed = run([bin_dir / "python", "-m", "pip", "list", "--format=json"], project, environment)
    names = {package["name"].lower() for package in json.loads(listed.stdout)}
    # THEN it holds the package and what it declares, and none of this project's own packages
    assert {"cdktf-lambda-local", "boto3", "moto"} <= names
    assert not names & {"cdktf-cdktf-provider-aws", "syrupy", "pytest-xdist"}
    assert (bin_dir / "lambda-local").is_file()
    found = run([bin_dir / "python", "-c", "import local_runtime; print(local_runtime.__file__)"], "/", environment)
    assert str(PROJECT_ROOT) not in found.stdout


def test_the_other_project_synthesizes_and_its_function_runs_through_the_console_command(installed):
    project, bin_dir, environment = installed
    # GIVEN the other project's app, synthesized in its own folder with its own venv
    run([bin_dir / "python", "main.py"], project, environment, timeout=300)
    # WHEN the console command invokes its function, from the project's folder and from elsewhere
    by_name = run(
        [bin_dir / "lambda-local", "invoke", "doubler", "Worker", "--payload", '{"n": 21}', "--json"],
        project,
        environment,
    )
    by_folder = run(
        [bin_dir / "lambda-local", "invoke", project / "cdktf.out/stacks/doubler", "Worker", "--payload", '{"n": 5}'],
        "/",
        environment,
    )
    # THEN the success record reached the queue the JSON wires, with the handler's result
    (record,) = json.loads(by_name.stdout)["queues"]["Done"]
    assert record["responsePayload"] == {"doubled": 42}
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:doubler:$LATEST"
    assert "delivered: Worker --Success--> Done" in by_folder.stdout
    # AND `python -m local_runtime` is the same command
    inspected = run([bin_dir / "python", "-m", "local_runtime", "inspect", "cdktf.out"], project, environment)
    assert "1 stacks, 1 hops verified, 0 problem(s)" in inspected.stdout


def test_the_other_projects_pytest_gets_the_fixture_from_the_package(installed):
    project, bin_dir, environment = installed
    run([bin_dir / "python", "main.py"], project, environment, timeout=300)
    # WHEN the other project runs its own test, which asks for `local_stack` and has no conftest.py
    result = run([bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, environment)
    # THEN the plugin, registered by the package's entry point, provided it, and the test passed
    assert "1 passed" in result.stdout
