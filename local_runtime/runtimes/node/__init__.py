"""The Node.js runtimes (nodejs18.x to 24.x): one ``node`` process per execution environment.

The process runs ``bootstrap.js``, this runtime's client of the Lambda Runtime API, on the Node.js
major version the runtime names when the machine has it (``interpreters.node_for``; otherwise the
log says which it used). It loads the handler the way AWS's Node.js runtimes do (CommonJS or ES
module, which error type for which failure) and sends every request to an AWS host to the engine's
loopback endpoint (``local_runtime.services.protocols``), whatever the SDK's endpoint settings or
a queue URL's host. What every runtime process shares: ``local_runtime.runtimes.process``.

The JavaScript SDK v3 that Lambda's Node.js runtimes give handlers that do not bundle it is found by
``sdk_modules`` and linked as ``node_modules`` into the folder that holds the unpacked code:
CommonJS ``require`` and ES module ``import`` both find it after the handler's own ``node_modules``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from local_runtime.errors import EngineError
from local_runtime.runtimes.interpreters import node_for
from local_runtime.runtimes.process import ProcessExecutor

HERE = Path(__file__).resolve().parent
BOOTSTRAP = HERE / "bootstrap.js"
SDK_LOCK = HERE / "package-lock.json"


class NodeExecutor(ProcessExecutor):
    def __init__(self, code_dir: Path, handler: str, *, name: str, runtime: str, endpoint: Callable[[], str]) -> None:
        super().__init__(code_dir, handler, name=name, runtime=runtime, endpoint=endpoint)
        self.node = node_for(runtime)

    def command(self) -> list[str]:
        return [self.node.path, str(BOOTSTRAP)]

    def runtime_environment(self) -> Mapping[str, str]:
        return {
            "LAMBDA_RUNTIME_DIR": str(HERE),
            # The SDK this runtime provides warns that the machine's node is older than its next
            # releases will need; Lambda's own runtimes ship an SDK that does not: nothing to say here.
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
        }

    def prepare(self) -> list[str]:
        found = self.node.notice(self.runtime)
        provided, sdk = self.code_dir.parent / "node_modules", sdk_modules()
        if sdk is None:
            found.append(
                "no JavaScript SDK v3 to give the handler (Lambda's Node.js runtimes include it): "
                "`lambda-local node-sdk` installs it"
            )
        elif not provided.exists():
            provided.symlink_to(sdk, target_is_directory=True)
        return found


def sdk_cache() -> Path:
    """Where ``lambda-local node-sdk`` installs the SDK for an installed package: the user's cache,
    one folder per version of the lock file."""
    digest = hashlib.sha256(SDK_LOCK.read_bytes()).hexdigest()[:12]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lambda-local" / f"node-sdk-{digest}"


def sdk_modules() -> Path | None:
    """The ``node_modules`` of the JavaScript SDK v3 given to handlers: ``$LAMBDA_LOCAL_NODE_SDK``, the
    one beside this file (a checkout's setup installs it there), or the user cache's; None if none is."""
    named = os.environ.get("LAMBDA_LOCAL_NODE_SDK")
    candidates = [Path(named)] if named else [HERE / "node_modules", sdk_cache() / "node_modules"]
    return next((path for path in candidates if path.is_dir()), None)


def install_sdk() -> Path:
    """Install the locked SDK into the user cache with npm (``npm ci``); its ``node_modules``."""
    npm = shutil.which("npm")
    if npm is None:
        raise EngineError("installing the JavaScript SDK for Node.js handlers needs npm, and none is on PATH")
    target = sdk_cache()
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, target / name)
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, capture_output=True, text=True
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise EngineError(f"npm ci in {target} failed (exit {result.returncode}): {last}")
    return target / "node_modules"
