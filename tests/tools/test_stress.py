"""The stress presets name the tests they run: a test file renamed or removed must not leave a
preset silently running less."""

import pytest

from tests.support import PROJECT_ROOT
from tools.stress import PRESETS


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_path_a_preset_runs_exists(preset):
    _, paths = PRESETS[preset]
    assert [p for p in paths if not (PROJECT_ROOT / p).exists()] == []
