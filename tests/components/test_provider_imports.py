"""Lazy provider imports: same Terraform JSON as the eager package, a fraction of the modules."""

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import cdktf_cdktf_provider_aws
import pytest

from components.provider_imports import EAGER_SWITCH
from main import STACKS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def synth_main(outdir, **env):
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CDKTF_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return sorted(p.relative_to(outdir) for p in outdir.rglob("*.json"))


@pytest.mark.slow
def test_lazy_and_eager_imports_synthesize_byte_identical_stacks(tmp_path):
    # GIVEN main.py synthesized once with lazy and once with the package's eager imports
    lazy_files = synth_main(tmp_path / "lazy")
    eager_files = synth_main(tmp_path / "eager", **{EAGER_SWITCH: "1"})
    # WHEN every JSON file is compared byte by byte
    different = [f for f in lazy_files if not filecmp.cmp(tmp_path / "lazy" / f, tmp_path / "eager" / f, shallow=False)]
    # THEN both wrote the same files, with the same bytes, for every stack
    assert lazy_files == eager_files
    assert len([f for f in lazy_files if f.name == "cdk.tf.json"]) == len(STACKS)
    assert different == []


def test_only_used_submodules_are_loaded_and_others_load_on_access():
    # GIVEN the test session (lazy imports installed by conftest)
    loaded = {m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")}
    # THEN far fewer than the package's 2,135 submodules are loaded
    assert 0 < len(loaded) < 200
    # AND an attribute for a submodule nobody imported yet resolves on access
    assert "cdktf_cdktf_provider_aws.xray_group" not in sys.modules
    assert cdktf_cdktf_provider_aws.xray_group.XrayGroup.__name__ == "XrayGroup"


def test_the_jsii_kernel_is_told_to_load_the_provider_lazily_too():
    # GIVEN the test session (components imported before cdktf by conftest)
    from components.provider_imports import NODE_HOOK

    # THEN Node.js preloads the hook that makes the provider's index lazy
    assert f'--require "{NODE_HOOK}"' in os.environ["NODE_OPTIONS"]
    assert NODE_HOOK.is_file()
