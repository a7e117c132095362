"""The Python runtimes (python3.9 to 3.13): one Python process per execution environment.

The process runs ``bootstrap.py``, this runtime's client of the Lambda Runtime API, on the Python
the runtime names when the machine has it (``interpreters.python_for``; otherwise on the engine's
own, and the log says which). Like Lambda's Python runtimes it gives handlers the AWS SDK (boto3,
botocore and what they need), after the handler's own code, so that a bundled boto3 wins: the
engine's, linked into a folder of its own on the process's ``PYTHONPATH`` (nothing else of the
engine's environment is visible). What every runtime process shares:
``local_runtime.runtimes.process``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from local_runtime.runtimes.interpreters import python_for
from local_runtime.runtimes.process import ProcessExecutor

HERE = Path(__file__).resolve().parent
BOOTSTRAP = HERE / "bootstrap.py"
# What boto3 needs at run time, all pure Python (Lambda's runtimes provide the same).
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


@functools.lru_cache(maxsize=1)
def sdk_path() -> Path:
    """A folder holding links to the engine's boto3 and what it needs, for handlers' processes: one per
    set of sources, made once and shared by the engines of this machine."""
    sources = []
    for name in SDK_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            origin = Path(spec.origin)
            sources.append(origin.parent if origin.name == "__init__.py" else origin)
    digest = hashlib.sha256("\n".join(map(str, sources)).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"lambda-local-python-sdk-{digest}"
    if not folder.is_dir():
        scratch = Path(tempfile.mkdtemp(prefix=f"{folder.name}-", dir=folder.parent))
        for source in sources:
            (scratch / source.name).symlink_to(source, target_is_directory=source.is_dir())
        try:
            scratch.rename(folder)
        except OSError:  # another engine made it meanwhile
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


class PythonExecutor(ProcessExecutor):
    def __init__(self, code_dir: Path, handler: str, *, name: str, runtime: str, endpoint: Callable[[], str]) -> None:
        super().__init__(code_dir, handler, name=name, runtime=runtime, endpoint=endpoint)
        self.python = python_for(runtime)

    def command(self) -> list[str]:
        # -s: not the user's site-packages; -u: lines reach the log as they are written.
        return [self.python.path, "-s", "-u", str(BOOTSTRAP)]

    def runtime_environment(self) -> Mapping[str, str]:
        return {"PYTHONPATH": str(sdk_path()), "PYTHONDONTWRITEBYTECODE": "1", "LAMBDA_RUNTIME_DIR": str(HERE)}

    def prepare(self) -> list[str]:
        return self.python.notice(self.runtime)
