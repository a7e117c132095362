"""The cdktf CLI from package.json synthesizes the app as cdktf.json describes it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from main import STACKS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLI = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"


@pytest.mark.skipif(not CLI.exists(), reason="cdktf-cli is not installed (make setup installs it)")
@pytest.mark.skipif(shutil.which("pipenv") is None, reason="cdktf.json runs the app with pipenv, which is not on PATH")
def test_cdktf_synth_writes_every_stack(tmp_path):
    # GIVEN the project's cdktf CLI WHEN `cdktf synth` runs into a temp folder
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CI": "1", "FORCE_COLOR": "0"}
    result = subprocess.run(
        [str(CLI), "synth", "--output", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # THEN it succeeds and writes every stack of main.py
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.parent.name for p in (tmp_path / "out" / "stacks").glob("*/cdk.tf.json")) == sorted(STACKS)
