"""What the handler tests call a handler with: Lambda's Python context object as a dataclass (with a
clock the test controls), and a handler module freshly imported from ``functions/<name>/``.

A handler's own behaviour is tested by calling it, as Powertools' examples do; how Lambda runs it
(its process, its SDK calls, its timeout) is the local runtime's, tested in tests/local_runtime/.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REGION = "us-east-1"
ACCOUNT = "123456789012"


def function_arn(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's Python context object."""

    function_name: str = "local-function"
    memory_limit_in_mb: int = 128
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    clock: Callable[[], float] = time.monotonic
    started_at: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started_at = self.clock()
        self.invoked_function_arn = self.invoked_function_arn or function_arn(self.function_name)
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{self.function_version}]{uuid.uuid4().hex}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (self.clock() - self.started_at) * 1000))


def load_module(code_dir: Path, module_path: str, module_name: str) -> ModuleType:
    """Import ``<module_path>.py`` of ``code_dir`` as ``module_name`` (registered in sys.modules).

    A module that is not there raises ``ModuleNotFoundError``, as ``import`` would.
    """
    source = Path(code_dir) / (module_path.replace(".", "/") + ".py")
    if not module_path or not source.is_file():
        raise ModuleNotFoundError(f"No module named '{module_path}'", name=module_path)
    spec = importlib.util.spec_from_file_location(module_name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    # Sibling modules import as they would from /var/task, and stay this code's own: another
    # function's (or another archive's) module of the same name is neither used nor replaced.
    siblings = {p.stem for p in Path(code_dir).glob("*.py")} | {
        p.parent.name for p in Path(code_dir).glob("*/__init__.py")
    }
    is_sibling = lambda name: name.split(".")[0] in siblings  # noqa: E731
    others = {name: sys.modules.pop(name) for name in list(sys.modules) if is_sibling(name)}
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(code_dir))
        for name in [name for name in sys.modules if is_sibling(name)]:
            del sys.modules[name]
        sys.modules.update(others)
    return module


def load_function(name: str, functions_dir: Path) -> ModuleType:
    """The module ``<functions_dir>/<name>/index.py``, freshly imported (for handler tests and ``run``)."""
    if not (functions_dir / name / "index.py").is_file():
        available = sorted(p.parent.name for p in functions_dir.glob("*/index.py"))
        raise ValueError(f"unknown function {name!r}; available: {', '.join(available)}")
    return load_module(functions_dir / name, "index", f"local_lambda_{name}_{uuid.uuid4().hex}")
