"""The project's cdktf CLI (./cdktf: node_modules, project.env) synthesizes the app as cdktf.json says."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from main import STACKS
from tests.support import needs

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@needs((PROJECT_ROOT / "node_modules" / ".bin" / "cdktf").exists(), "cdktf-cli")
def test_cdktf_synth_writes_every_stack_quietly(tmp_path):
    # GIVEN the wrapper and no project variables in the caller's environment (as a user's shell)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "CHECKPOINT_DISABLE")
    }
    env.update({"APP_PYTHON": sys.executable, "CI": "1", "FORCE_COLOR": "0"})
    # WHEN `./cdktf synth` runs into a temp folder
    result = subprocess.run(
        [str(PROJECT_ROOT / "cdktf"), "synth", "--output", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # THEN it writes every stack of main.py, without the end-of-life banner or a checkpoint lookup
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert sorted(p.parent.name for p in (tmp_path / "out" / "stacks").glob("*/cdk.tf.json")) == sorted(STACKS)
    assert "end-of-life" not in output and "checkpoint" not in output.lower()


def project_copy(tmp_path: Path) -> Path:
    """The files tools/project-env.sh reads, in a folder of their own, with this environment's Python."""
    root = tmp_path / "project"
    (root / "tools").mkdir(parents=True)
    for name in ("project.env", "tools/__init__.py", "tools/project-env.sh", "tools/terraform_cli.py"):
        (root / name).write_text((PROJECT_ROOT / name).read_text())
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return root


def source_project_env(root: Path, home: Path) -> subprocess.CompletedProcess:
    """Source project-env.sh as ./cdktf does, traced (sh -x), printing the configuration it chose."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CLI_CONFIG_FILE", "TF_PROVIDER_MIRROR")}
    env["HOME"] = str(home)
    return subprocess.run(
        ["sh", "-xc", f'root="{root}"; . "$root/tools/project-env.sh"; printf %s "$TF_CLI_CONFIG_FILE"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_the_cli_configuration_setup_wrote_is_used_without_starting_an_interpreter(tmp_path):
    # GIVEN a project whose setup wrote the Terraform CLI configuration, and no ~/.terraformrc
    root, home = project_copy(tmp_path), tmp_path / "home"
    home.mkdir()
    source_project_env(root, home)
    config = root / ".terraform-cli" / "terraformrc"
    assert config.is_file()
    # WHEN ./cdktf (or the app command) sources project-env.sh again
    result = source_project_env(root, home)
    # THEN TF_CLI_CONFIG_FILE names that file and no Python was started to write it
    assert result.stdout == str(config)
    assert "tools.terraform_cli" not in result.stderr


def test_a_terraformrc_newer_than_the_cli_configuration_is_merged_into_it(tmp_path):
    # GIVEN a project whose CLI configuration was written, then a ~/.terraformrc edited after it
    root, home = project_copy(tmp_path), tmp_path / "home"
    home.mkdir()
    source_project_env(root, home)
    config = root / ".terraform-cli" / "terraformrc"
    (home / ".terraformrc").write_text('plugin_cache_dir = "/var/cache/terraform"\n')
    os.utime(home / ".terraformrc", (config.stat().st_mtime + 10, config.stat().st_mtime + 10))
    # WHEN project-env.sh is sourced
    result = source_project_env(root, home)
    # THEN the configuration is written again and holds the user's setting
    assert "tools.terraform_cli" in result.stderr
    assert result.stdout == str(config)
    assert 'plugin_cache_dir = "/var/cache/terraform"' in config.read_text()
