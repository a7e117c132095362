"""A pytest plugin for testing your own flows through the local runtime.

Installing the package registers it (its ``pytest11`` entry point); a test asks for ``local_stack``::

    def test_first_reaches_second(local_stack):
        run = local_stack("response-only").invoke_async("First", {"numbers": [1, 2, 3]})
        assert run.results_of("Second") == [{"accepted": True, "shape": "response-payload"}]

``local_stack(name, **options)`` is an ``Engine`` on ``<cdktf_outdir>/stacks/<name>/cdk.tf.json``,
closed when the test ends (``options``: the Engine's ``environment``, ``timeouts``, ``duplicates``).
``cdktf_outdir`` is ``$CDKTF_OUTDIR`` or ``cdktf.out`` beside the pytest root; override the fixture to
synthesize in the test session instead (this project's ``tests/conftest.py`` does).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local_runtime.engine import Engine
from local_runtime.model import load_stack, stack_file


@pytest.fixture(scope="session")
def cdktf_outdir(pytestconfig: pytest.Config) -> Path:
    """Where the synthesized stacks are: ``$CDKTF_OUTDIR``, else ``cdktf.out`` beside the pytest root."""
    return Path(os.environ.get("CDKTF_OUTDIR") or pytestconfig.rootpath / "cdktf.out")


@pytest.fixture
def local_stack(cdktf_outdir: Path) -> Iterator[Callable[..., Engine]]:
    """``local_stack(name, **engine_options)``: an Engine on that synthesized stack, closed after the test."""
    engines: list[Engine] = []

    def open_stack(name: str, **options: Any) -> Engine:
        path = stack_file(cdktf_outdir, name)
        if not path.is_file():
            pytest.fail(f"stack {name!r} is not synthesized under {cdktf_outdir}: synthesize first (cdktf synth)")
        engine = Engine(load_stack(path), out=options.pop("out", io.StringIO()), **options)
        engines.append(engine)
        return engine

    yield open_stack
    for engine in engines:
        engine.close()
