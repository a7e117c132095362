"""The synth benchmark's scale floor writes what the components write, so it measures the same work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def synthesize_pairs(out: Path, *flags: str) -> dict[Path, bytes]:
    env = {**os.environ, "CDKTF_OUTDIR": str(out)}
    env.pop("NODE_OPTIONS", None)
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "pairs_app.py"), str(PROJECT_ROOT), "4", *flags],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {path.relative_to(out): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_the_provider_classes_app_writes_byte_identical_output_to_the_components(tmp_path):
    # GIVEN four First/Second pairs (two with a function destination, two response-only)
    # WHEN they are built from the components, and written with the provider classes directly
    components = synthesize_pairs(tmp_path / "components")
    provider_classes = synthesize_pairs(tmp_path / "provider-classes", "--provider-classes")
    # THEN every file, the stack's JSON, manifest.json and the code assets, is the same byte for byte
    assert Path("stacks/pairs/cdk.tf.json") in components
    assert provider_classes == components
