"""The synth benchmark's scale floor writes what the components write, so it measures the same work."""

from pathlib import Path

import pytest

from benchmarks.pairs_app import written_files

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_provider_classes_app_writes_byte_identical_output_to_the_components(tmp_path):
    # GIVEN four First/Second pairs (two with a function destination, two response-only)
    # WHEN they are built from the components, and written with the provider classes directly
    components = written_files(PROJECT_ROOT, 4, outdir=tmp_path / "components")
    provider_classes = written_files(PROJECT_ROOT, 4, "--provider-classes", outdir=tmp_path / "provider-classes")
    # THEN every file, the stack's JSON, manifest.json and the code assets, is the same byte for byte
    assert Path("stacks/pairs/cdk.tf.json") in components
    assert provider_classes == components
