"""The stress presets name the tests they run: a test file renamed or removed must not leave a
preset silently running less."""

import pytest

from tests.support import PROJECT_ROOT
from tools.stress import PRESETS, run_once


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_path_a_preset_runs_exists(preset):
    _, paths = PRESETS[preset]
    assert [p for p in paths if not (PROJECT_ROOT / p).exists()] == []


def test_a_failing_run_keeps_its_evidence_and_a_passing_run_leaves_nothing(tmp_path):
    # GIVEN a test file with one passing and one failing test, outside the project
    tests = tmp_path / "test_sample.py"
    tests.write_text("def test_passes():\n    assert True\n\n\ndef test_fails(tmp_path):\n    assert False\n")
    log = tmp_path / "stress.log"
    # WHEN each is run once, as a stress run runs it
    passing = run_once([f"{tests}::test_passes"], 0, log, tmp_path / "stress-run1")
    failing = run_once([f"{tests}::test_fails"], 0, log, tmp_path / "stress-run2")
    # THEN the passing run left no folder, and the failing one kept the session's temporary folders
    assert (passing.ok, passing.passed, failing.ok, len(failing.failed)) == (True, 1, False, 1)
    assert failing.failed[0].endswith("test_sample.py::test_fails")
    assert not (tmp_path / "stress-run1").exists()
    assert (tmp_path / "stress-run2" / "pytest" / "test_fails0").is_dir()
