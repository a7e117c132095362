"""Execution environments: one executor per runtime behind one small interface (``base``).

An executor is one warm execution environment of one function version: its code is loaded on the
first invocation (an init error fails that invocation, and the next one initializes again, as
Lambda starts a new environment), its globals live on between invocations.

``executor_for`` picks the executor for a function's ``runtime``; one the local runtime cannot run
is refused naming the runtime and what is supported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from local_runtime.errors import EngineError
from local_runtime.runtimes.base import Executor, Invocation, InvocationRequest, timed_out
from local_runtime.runtimes.node import NodeExecutor
from local_runtime.runtimes.python import PythonExecutor

__all__ = ["Executor", "Invocation", "InvocationRequest", "executor_for", "timed_out"]

PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x")
SUPPORTED_RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES


def executor_for(runtime: str, code_dir: Path, handler: str, *, name: str, endpoint: Callable[[], str]) -> Executor:
    """An execution environment for ``runtime``: a process whose AWS calls go to the loopback URL
    ``endpoint()`` gives."""
    if runtime in PYTHON_RUNTIMES:
        return PythonExecutor(code_dir, handler, name=name, runtime=runtime, endpoint=endpoint)
    if runtime in NODE_RUNTIMES:
        return NodeExecutor(code_dir, handler, name=name, runtime=runtime, endpoint=endpoint)
    raise EngineError(
        f"function {name} runs {runtime or 'no runtime'}: the local runtime runs {', '.join(SUPPORTED_RUNTIMES)}"
    )
