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
