"""The Node.js runtimes (nodejs18.x, 20.x, 22.x) with the machine's ``node``: one warm process per environment.

An execution environment is one ``node`` process running ``bootstrap.js``, this runtime's client of
the Lambda Runtime API, which this executor serves on a loopback port of its own:
``GET /2018-06-01/runtime/invocation/next`` hands the process the event (with the request id,
deadline and invoked ARN headers), ``.../{id}/response`` and ``.../{id}/error`` bring the outcome,
``/runtime/init/error`` a failed init. The module is loaded once and its globals live on between
invocations; the engine, not the process, enforces the timeout: past it the process is killed
(``Sandbox.Timedout``, "Task timed out after N.00 seconds") and the next invocation starts a new
one, as after a crash (``Runtime.ExitError``) or a failed init.

The handler's AWS SDK calls go to ``AWS_ENDPOINT_URL``, the engine's loopback endpoint
(``local_runtime.services.protocols.endpoint``). The JavaScript SDK v3 that Lambda's Node.js runtimes give
handlers that do not bundle it is installed beside this file by setup (``package-lock.json``) and
linked as ``node_modules`` into the folder that holds the unpacked code: CommonJS ``require`` and ES
module ``import`` both find it after the handler's own ``node_modules``, as on Lambda. Console
output becomes log lines between START, END and REPORT.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from local_runtime import loopback
from local_runtime.errors import EngineError
from local_runtime.runtimes.base import Invocation, InvocationRequest, timed_out

HERE = Path(__file__).resolve().parent
BOOTSTRAP = HERE / "bootstrap.js"
SDK_LOCK = HERE / "package-lock.json"
END_OF_INVOCATION = "\x1e"
_RUNTIME = "/2018-06-01/runtime"
_LOG_WAIT_S = 2.0
# Lambda's init phase has 10 s of its own, apart from the function's timeout ("Lambda execution
# environment lifecycle": Init phase).
INIT_LIMIT_S = 10.0


class _RuntimeApi:
    """The Runtime API of one execution environment, on its own loopback port (server threads)."""

    def __init__(self) -> None:
        # (request id, body, headers, timeout): the deadline is set when the runtime takes the event.
        self.events: queue.Queue[tuple[str, bytes, dict[str, str], float] | None] = queue.Queue()
        self.results: queue.Queue[tuple[str, str | None, bytes]] = queue.Queue()
        self.polled_at: float | None = None  # when the process first asked for an event: its init is done
        api = self

        class Handler(loopback.Handler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != f"{_RUNTIME}/invocation/next":
                    return self.reply(404)
                if api.polled_at is None:
                    api.polled_at = time.perf_counter()
                event = api.events.get()
                if event is None:  # the environment is being shut down
                    return self.reply(410)
                request_id, body, headers, timeout_s = event
                deadline_ms = str(int(time.time() * 1000 + timeout_s * 1000))
                return self.reply(
                    200,
                    body,
                    {"lambda-runtime-aws-request-id": request_id, "lambda-runtime-deadline-ms": deadline_ms, **headers},
                )

            def do_POST(self) -> None:  # noqa: N802
                body = self.body()
                parts = self.path.removeprefix(_RUNTIME).strip("/").split("/")
                if parts == ["init", "error"]:
                    api.results.put(("init", None, body))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    api.results.put((parts[2], parts[1], body))
                else:
                    return self.reply(404)
                return self.reply(202, b'{"status":"OK"}')

        self.server = loopback.LoopbackServer(Handler)

    @property
    def address(self) -> str:
        return self.server.address

    def close(self) -> None:
        self.events.put(None)
        self.server.close()


class NodeExecutor:
    """One execution environment of a Node.js function: a ``node`` process, started on first use."""

    def __init__(self, code_dir: Path, handler: str, *, name: str, runtime: str, endpoint: Callable[[], str]) -> None:
        node = shutil.which("node")
        if node is None:
            raise EngineError(
                f"function {name} runs {runtime}: the local runtime runs it with `node`, and none is on PATH"
            )
        self.node, self.code_dir, self.handler, self.name, self.runtime = node, code_dir, handler, name, runtime
        self.endpoint = endpoint
        self._process: subprocess.Popen[bytes] | None = None
        self._api: _RuntimeApi | None = None
        self._out: TextIO | None = None
        self._out_lock = threading.Lock()
        self._ends: queue.Queue[str] = queue.Queue()

    # --- the process -----------------------------------------------------------------------------------

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self, request: InvocationRequest) -> None:
        self._stop()
        self._api = _RuntimeApi()
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            **request.environment,
            "AWS_LAMBDA_RUNTIME_API": self._api.address,
            "AWS_ENDPOINT_URL": self.endpoint(),
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[{request.function_version}]{request.request_id}",
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "LAMBDA_RUNTIME_DIR": str(HERE),
            "_HANDLER": self.handler,
            # The SDK this runtime provides warns that the machine's node is older than its next
            # releases will need; Lambda's own runtimes ship an SDK that does not: nothing to say here.
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
        }
        provided, sdk = self.code_dir.parent / "node_modules", sdk_modules()
        if sdk is None:
            print(
                f"{self.name}: no JavaScript SDK v3 to give the handler (Lambda's Node.js runtimes include it): "
                "`lambda-local node-sdk` installs it",
                file=request.out,
            )
        elif not provided.exists():
            provided.symlink_to(sdk, target_is_directory=True)
        self._process = subprocess.Popen(
            [self.node, str(BOOTSTRAP)],
            cwd=self.code_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._read_logs, args=(self._process,), daemon=True).start()

    def _read_logs(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith(END_OF_INVOCATION):
                self._ends.put(line[1:])
                continue
            with self._out_lock:
                if self._out is not None:
                    print(line, file=self._out)

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                try:
                    os.killpg(self._process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._process.wait(timeout=10)
            self._process = None
        if self._api is not None:
            self._api.close()
            self._api = None

    # --- one invocation -------------------------------------------------------------------------------

    def invoke(self, request: InvocationRequest) -> Invocation:
        with self._out_lock:
            self._out = request.out
        print(f"START RequestId: {request.request_id} Version: {request.function_version}", file=request.out)
        cold = not self._alive()
        started = time.perf_counter()
        if cold:
            self._start(request)
        assert self._api is not None and self._process is not None
        headers = {
            "lambda-runtime-invoked-function-arn": request.invoked_function_arn,
            "lambda-runtime-trace-id": f"Root=1-{int(time.time()):08x}-{request.request_id.replace('-', '')[:24]}",
            "content-type": "application/json",
        }
        self._api.events.put((request.request_id, json.dumps(request.event).encode(), headers, request.timeout_s))
        invocation = Invocation(request_id=request.request_id, event=request.event)
        api = self._api
        kind, body = self._wait(request, started)
        finished = time.perf_counter()
        # Lambda reports a cold start's init apart from the invocation's own duration.
        ready = api.polled_at if cold and api.polled_at is not None else started
        init_ms = (ready - started) * 1000 if cold else None
        invocation.duration_ms = (finished - ready) * 1000
        if kind == "response":
            invocation.result = json.loads(body or b"null")
        elif kind == "timeout":
            invocation.duration_ms = request.timeout_s * 1000
            invocation.error = timed_out(request.request_id, request.timeout_s)
            self._stop()  # the engine ends an environment that ran out of time; the next invocation starts another
        elif kind == "exit":
            invocation.error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request.request_id} Error: Runtime exited with error: {body.decode()}",
            }
            self._stop()
        else:  # "error" or "init"
            invocation.error = _error_payload(body)
        if kind in ("response", "error", "init"):
            self._wait_for_logs(request.request_id, kind == "init")
        return self._report(invocation, request, init_ms)

    def _wait(self, request: InvocationRequest, started: float) -> tuple[str, bytes]:
        """The outcome, or "timeout": the function's timeout counts from the end of the init (the first
        ``/next``), which Lambda gives ``INIT_LIMIT_S`` of its own; an init that takes longer eats into it."""
        assert self._api is not None and self._process is not None
        api = self._api
        while True:
            if api.polled_at is None:  # still initializing
                end = started + INIT_LIMIT_S + request.timeout_s
            else:
                end = min(max(api.polled_at, started), started + INIT_LIMIT_S) + request.timeout_s
            left = end - time.perf_counter()
            if left <= 0:
                return "timeout", b""
            try:
                kind, request_id, body = self._api.results.get(timeout=min(left, 0.05))
            except queue.Empty:
                code = self._process.poll()
                if code is not None and self._api.results.empty():
                    status = f"signal: {signal.Signals(-code).name.lower()}" if code < 0 else f"exit status {code}"
                    return "exit", status.encode()
                continue
            if kind == "init" or request_id == request.request_id:
                return kind, body

    def _wait_for_logs(self, request_id: str, init: bool) -> None:
        """Until the process's log lines of this invocation have been read (it marks their end)."""
        if init:  # the process logs its init error and exits: its output ends with the pipe
            if self._process is not None:
                try:
                    self._process.wait(timeout=_LOG_WAIT_S)
                except subprocess.TimeoutExpired:
                    pass
            return
        end = time.monotonic() + _LOG_WAIT_S
        while time.monotonic() < end:
            try:
                if self._ends.get(timeout=end - time.monotonic()) == request_id:
                    return
            except queue.Empty:
                return

    def _report(self, invocation: Invocation, request: InvocationRequest, init_ms: float | None) -> Invocation:
        out = request.out
        print(f"END RequestId: {request.request_id}", file=out)
        memory = _max_memory_mb(self._process.pid) if self._process is not None else 0
        init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else ""
        print(
            f"REPORT RequestId: {request.request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, int(invocation.duration_ms + 0.999))} ms\t"
            f"Memory Size: {request.memory_limit_in_mb} MB\tMax Memory Used: {memory} MB{init}",
            file=out,
        )
        return invocation

    def close(self) -> None:
        self._stop()


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


def _error_payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return {"errorType": "Runtime.Unknown", "errorMessage": body.decode(errors="replace"), "trace": []}
    return payload if isinstance(payload, dict) else {"errorType": "Runtime.Unknown", "errorMessage": str(payload)}


def _max_memory_mb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), as REPORT's Max Memory Used; 0 where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0
