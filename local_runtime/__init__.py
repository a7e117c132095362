"""Run synthesized cdktf stacks locally, the way AWS Lambda runs their asynchronous wiring.

The public API, for tools and for your own tests (``local_runtime.testing`` has a pytest fixture)::

    from local_runtime import Engine, load_stack, stack_file

    stack = load_stack(stack_file("cdktf.out", "response-only"))   # the resolved model, read once
    with Engine(stack) as engine:
        run = engine.invoke_async("First", {"numbers": [1, 2, 3]})  # construct id (path) of the function
    run.results_of("Second")   # what each invocation of Second returned
    run.queues, run.topics, run.buses, run.buckets, run.tables, run.dropped, run.problems

Layers, each importing only those before it: ``model`` (the stack as records) <- ``iam`` <-
``event_patterns`` <- ``services`` (what handlers' SDK calls reach) <- ``runtimes`` (one executor
per runtime) <- ``engine`` (Lambda's asynchronous invocation) <- ``api``, ``diagram``, ``testing``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_runtime.diagram import sequence_diagram
    from local_runtime.engine import Engine, Run
    from local_runtime.errors import AwsError, EngineError, StackFileError
    from local_runtime.model import StackModel, load_stack, load_stacks, read_stack, stack_file

# Imported when first asked for: a tool that needs only the model (the verifier) does not load the engine.
_EXPORTS = {
    "sequence_diagram": "local_runtime.diagram",
    "Engine": "local_runtime.engine",
    "Run": "local_runtime.engine",
    "AwsError": "local_runtime.errors",
    "EngineError": "local_runtime.errors",
    "StackFileError": "local_runtime.errors",
    "StackModel": "local_runtime.model",
    "load_stack": "local_runtime.model",
    "load_stacks": "local_runtime.model",
    "read_stack": "local_runtime.model",
    "stack_file": "local_runtime.model",
}
__all__ = [
    "AwsError",
    "Engine",
    "EngineError",
    "Run",
    "StackFileError",
    "StackModel",
    "load_stack",
    "load_stacks",
    "read_stack",
    "sequence_diagram",
    "stack_file",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'local_runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
