"""An execution environment in a process of its own, as Lambda runs one: the base of every runtime.

The process is the runtime's own client of the Runtime API (``rapi``), started on the first
invocation with the function's environment only, its code folder as working directory, and its
AWS SDK pointed at the engine's loopback endpoint (``AWS_ENDPOINT_URL``). Its module is loaded once
and its globals live on between invocations. The engine, not the process, enforces the timeout,
which counts from the end of the init (the first ``/next``; the init has ``INIT_LIMIT_S`` of its
own, and eats into the timeout past that): past it the process is killed (``Sandbox.Timedout``) and
the next invocation starts a new one, as after an exit (``Runtime.ExitError``) or a failed init.

Its output becomes the log lines between START, END and REPORT; a line starting with
``END_OF_INVOCATION`` marks that everything an invocation logged has been written. REPORT's
"Max Memory Used" is the process's own peak (``VmHWM``).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from local_runtime.limits import INIT_LIMIT_S
from local_runtime.runtimes.base import Invocation, InvocationRequest, timed_out
from local_runtime.runtimes.rapi import Event, RuntimeApi

END_OF_INVOCATION = "\x1e"
_LOG_WAIT_S = 2.0
# What every environment has, whatever the function sets ("Defined runtime environment variables"); and
# no AWS configuration of the user's: the SDKs read nothing from ~/.aws.
BASE_ENVIRONMENT = {
    "TZ": ":UTC",
    "LANG": "en_US.UTF-8",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class ProcessExecutor:
    """One execution environment: a process, started on first use. Runtimes say how to start it."""

    def __init__(self, code_dir: Path, handler: str, *, name: str, runtime: str, endpoint: Callable[[], str]) -> None:
        self.code_dir, self.handler, self.name, self.runtime, self.endpoint = code_dir, handler, name, runtime, endpoint
        self._process: subprocess.Popen[bytes] | None = None
        self._api: RuntimeApi | None = None
        self._out: TextIO | InvocationLog | None = None
        self._out_lock = threading.Lock()
        self._ends: queue.Queue[str] = queue.Queue()

    # --- what each runtime says ------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The runtime client's command line."""
        raise NotImplementedError

    def runtime_environment(self) -> Mapping[str, str]:
        """What the runtime adds to the process's environment (its SDK's path, ...)."""
        return {}

    def prepare(self) -> list[str]:
        """Make ready what the process needs; what to say in the log as it starts (an interpreter that is
        not the runtime's, an SDK that is missing)."""
        return []

    # --- the process -----------------------------------------------------------------------------------

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self, request: InvocationRequest) -> None:
        self._stop()
        self._api = RuntimeApi()
        for notice in self.prepare():
            print(f"{self.name}: {notice}", file=request.out)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            **BASE_ENVIRONMENT,
            **request.environment,
            **self.runtime_environment(),
            "AWS_LAMBDA_RUNTIME_API": self._api.address,
            "AWS_ENDPOINT_URL": self.endpoint(),
            # An environment's stream, as Lambda names one: its day, its version, 32 hex digits
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d', time.gmtime())}/"
            f"[{request.function_version}]{uuid.uuid4().hex}",
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "_HANDLER": self.handler,
        }
        self._process = subprocess.Popen(
            self.command(),
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
        log = InvocationLog(request.out)
        with self._out_lock:
            self._out = log
        print(f"START RequestId: {request.request_id} Version: {request.function_version}", file=log)
        cold = not self._alive()
        started = time.perf_counter()
        if cold:
            self._start(request)
        api = self._api
        assert api is not None and self._process is not None
        headers = {
            "lambda-runtime-invoked-function-arn": request.invoked_function_arn,
            "lambda-runtime-trace-id": f"Root=1-{int(time.time()):08x}-{request.request_id.replace('-', '')[:24]}",
            "content-type": "application/json",
        }
        if request.client_context is not None:
            headers["lambda-runtime-client-context"] = json.dumps(request.client_context)
        api.events.put(Event(request.request_id, json.dumps(request.event).encode(), request.timeout_s, headers))
        invocation = Invocation(request_id=request.request_id, event=request.event)
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
            invocation.error = {"errorType": "Runtime.ExitError", "errorMessage": body.decode()}
            self._stop()
        else:  # "error" or "init"
            invocation.error = error_payload(body)
        if kind in ("response", "error", "init"):
            self._wait_for_logs(request.request_id, kind == "init")
        return self._report(invocation, request, init_ms, log)

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
                kind, request_id, body = api.results.get(timeout=min(left, 0.05))
            except queue.Empty:
                code = self._process.poll()
                if code is not None and api.results.empty():
                    return "exit", exited(request.request_id, code).encode()
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

    def _report(
        self, invocation: Invocation, request: InvocationRequest, init_ms: float | None, log: InvocationLog
    ) -> Invocation:
        print(f"END RequestId: {request.request_id}", file=log)
        memory = max_memory_mb(self._process.pid) if self._process is not None else 0
        init = f"Init Duration: {init_ms:.2f} ms\t" if init_ms is not None else ""
        # Each field ends with a tab, the last one too (AWS's log events, test_invocation_type_event_error)
        print(
            f"REPORT RequestId: {request.request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, int(invocation.duration_ms + 0.999))} ms\t"
            f"Memory Size: {request.memory_limit_in_mb} MB\tMax Memory Used: {memory} MB\t{init}",
            file=log,
        )
        invocation.log = log.text()
        with self._out_lock:  # what the process prints between invocations belongs to none of them
            self._out = request.out
        return invocation

    def close(self) -> None:
        self._stop()


class InvocationLog:
    """The lines one invocation writes to the log, passed on to ``out`` as they come and kept."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()

    def text(self) -> str:
        return "".join(self._parts)


def exited(request_id: str, code: int) -> str:
    """The message of ``Runtime.ExitError`` for a process that ended with ``code`` (recorded by AWS: an exit
    with 0 "without providing a reason", others "with error: exit status N")."""
    if code == 0:
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    status = f"signal: {signal.Signals(-code).name.lower().removeprefix('sig')}" if code < 0 else f"exit status {code}"
    return f"RequestId: {request_id} Error: Runtime exited with error: {status}"


def error_payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return {"errorType": "Runtime.Unknown", "errorMessage": body.decode(errors="replace")}
    return payload if isinstance(payload, dict) else {"errorType": "Runtime.Unknown", "errorMessage": str(payload)}


def max_memory_mb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), as REPORT's Max Memory Used; 0 where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0
