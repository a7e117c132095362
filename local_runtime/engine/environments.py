"""Execution environments: one per function and version, warm, and the running of one invocation.

An environment is the runtime's executor (``local_runtime.runtimes``: Python, Node.js) over the
function's unpacked code archive; its SDK signs with an access key of its own. Running an invocation
tells the services who is calling (``AwsCalls.running``, by that key), starts it at the clock's now,
moves the clock past its real duration, holds its concurrency lease for that span and records it.
What its calls set in motion waits in the services' outbox for the caller of ``invoke``. A handler's
synchronous ``Invoke`` runs another function's environment at once (``invoke_from``), inside the
caller's span of the clock.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_runtime.chain import Chain
from local_runtime.engine.clock import Clock
from local_runtime.engine.leases import Leases
from local_runtime.engine.report import Recorder
from local_runtime.errors import AwsError, EngineError
from local_runtime.model.records import LATEST, Function, StackModel
from local_runtime.runtimes import Executor, Invocation, InvocationRequest, archive, executor_for
from local_runtime.runtimes.base import lambda_variables
from local_runtime.services.caller import Caller
from local_runtime.services.calls import AwsCalls
from local_runtime.services.lambda_api import Answer
from local_runtime.services.protocols.endpoint import Endpoint


class Environments:
    def __init__(
        self,
        stack: StackModel,
        clock: Clock,
        leases: Leases,
        recorder: Recorder,
        calls: AwsCalls,
        *,
        environment: Mapping[str, Mapping[str, str]],
        timeouts: Mapping[str, int],
        max_invocations: int,
    ) -> None:
        """Raises EngineError for what Lambda would refuse at deploy (a code archive that is missing,
        unreadable, not a zip, or holds entries outside its folder)."""
        self.stack, self.clock, self.leases, self.recorder, self.calls = stack, clock, leases, recorder, calls
        self.environment, self.timeouts, self.max_invocations = environment, timeouts, max_invocations
        self.handler_seconds = 0.0
        self.latest = 0.0  # the end of the last execution, on the clock
        self._archives = {
            path: archive.check(function)
            for path, function in stack.functions.items()
            if function.code.filename is not None or function.code.problem is not None
        }
        self._workdir = tempfile.TemporaryDirectory(prefix="lambda-engine-")
        self._executors: dict[tuple[str, str], Executor] = {}
        # Each function version's variables and access key, made once: they hold for the engine's life
        self._variables: dict[tuple[str, str], tuple[dict[str, str], str]] = {}
        self._endpoint: Endpoint | None = None
        self._running: tuple[float, float] | None = None  # (virtual, real) start of the running handler
        self._busy: set[tuple[str, str]] = set()  # the environments running a handler now

    def now(self) -> float:
        """Now on the virtual clock: inside a running handler, its start plus the real time it has run."""
        if self._running is not None:
            return self._running[0] + (time.perf_counter() - self._running[1])
        return self.clock.now

    def invoke(
        self,
        function: Function,
        qualifier: str | None,
        payload: Any,
        request_id: str,
        chain: Chain,
        *,
        attempt: int,
        origin: str,
    ) -> Invocation:
        """Run one invocation of ``function`` now; ``chain`` is counted with it already."""
        if len(self.recorder.run.invocations) >= self.max_invocations:
            raise EngineError(f"stopped after {self.max_invocations} invocations: the run does not end")
        version = self.executed_version(function, qualifier)
        key = (function.path, version)
        if key in self._busy:
            raise AwsError(
                "NotEmulated",
                f"{function.name} ({version}) is running already, and the local engine keeps one execution "
                "environment per function and version: a function cannot invoke itself synchronously here",
                501,
            )
        executor = self._executor(function, version)
        variables, key_id = self._identity(function, version)
        started_at = self.now()  # inside a running handler (a synchronous invoke): its moment
        self.recorder.say(f"{function.path} ({function.name}) attempt {attempt}", started_at)
        self.recorder.trace(started_at, origin, function.path, f"invoke, attempt {attempt}")
        started_real = time.perf_counter()
        outer, self._running = self._running, (started_at, started_real)
        self._busy.add(key)
        try:
            with self.calls.running(Caller(function, chain, started_at, started_real), key_id):
                invocation = executor.invoke(
                    InvocationRequest(
                        event=payload,
                        request_id=request_id,
                        function_name=function.name,
                        function_version=version,
                        invoked_function_arn=f"{function.arn}:{qualifier}" if qualifier else function.arn,
                        memory_limit_in_mb=function.memory_size,
                        timeout_s=self.timeouts.get(function.path, function.timeout),
                        environment=variables,
                        out=self.recorder.out,
                        region=self.stack.region,
                        log_group_name=f"/aws/lambda/{function.name}",
                    )
                )
        finally:
            self._running = outer
            self._busy.discard(key)
        self.clock.now = started_at + invocation.duration_ms / 1000
        self.latest = max(self.latest, self.clock.now)
        self.leases.hold(function.path, started_at, self.clock.now)
        self.handler_seconds += invocation.duration_ms / 1000
        self.recorder.run.invocations.append(
            {
                "function": function.path,
                "attempt": attempt,
                "status": "error" if invocation.error else "success",
                "error_type": invocation.error_type,
                "request_id": request_id,
                "duration_ms": round(invocation.duration_ms, 3),
                "result": invocation.error if invocation.error is not None else invocation.result,
                "time": round(started_at, 3),
            }
        )
        return invocation

    def invoke_from(self, caller: Caller, function: Function, qualifier: str | None, payload: Any) -> Answer:
        """A handler's synchronous ``Invoke`` of ``function``: one attempt now, no destinations; refused
        as Lambda refuses it when the function's reserved concurrency is taken."""
        limit = function.reserved_concurrency
        if limit is not None and self.leases.full(function.path, self.now(), [limit]):
            raise AwsError(
                "TooManyRequestsException",
                "Rate Exceeded.",
                429,
                {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"},
            )
        try:
            invocation = self.invoke(
                function, qualifier, payload, str(uuid.uuid4()), caller.chain, attempt=1, origin=caller.function.path
            )
        except EngineError as failure:
            raise AwsError("ServiceException", str(failure), 500) from None
        failed = invocation.error is not None
        return Answer(
            invocation.error if failed else invocation.result,
            failed,
            self.executed_version(function, qualifier),
            invocation.log,
        )

    def executed_version(self, function: Function, qualifier: str | None) -> str:
        if qualifier is None or qualifier == LATEST:
            return LATEST
        if qualifier.isdigit():
            return qualifier
        alias = self.stack.aliases.get(f"{function.arn}:{qualifier}")
        return alias.version if alias is not None else LATEST

    def _identity(self, function: Function, version: str) -> tuple[dict[str, str], str]:
        """A function version's environment variables and the access key its SDK signs with."""
        key = (function.path, version)
        identity = self._variables.get(key)
        if identity is None:
            identity = self._variables[key] = (self.runtime_environment(function, version), access_key(*key))
        return identity

    def runtime_environment(self, function: Function, version: str) -> dict[str, str]:
        """Lambda's variables, the function's (from the JSON), and the overrides the engine was given."""
        return {
            **lambda_variables(
                name=function.name,
                version=version,
                memory_mb=function.memory_size,
                runtime=function.runtime,
                handler=function.handler,
                region=self.stack.region,
            ),
            **function.environment,
            **self.environment.get(function.path, {}),
            "AWS_ACCESS_KEY_ID": access_key(function.path, version),
        }

    def _executor(self, function: Function, version: str) -> Executor:
        key = (function.path, version)
        executor = self._executors.get(key)
        if executor is None:
            data = self._archives.get(function.path)
            if data is None:
                data = archive.check(function)  # code outside the stack: says why it cannot run
            folder = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{function.path}-{version}")
            code_dir = archive.unpack(data, Path(self._workdir.name) / folder)
            executor = executor_for(
                function.runtime,
                code_dir,
                function.handler,
                name=function.path,
                endpoint=self._endpoint_url,
            )
            self._executors[key] = executor
        return executor

    def _endpoint_url(self) -> str:
        if self._endpoint is None:
            self._endpoint = Endpoint(self.calls)
        return self._endpoint.url

    def close(self) -> None:
        for executor in self._executors.values():
            executor.close()
        self._executors.clear()
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        self._workdir.cleanup()


def access_key(path: str, version: str) -> str:
    """The access key an environment's SDK signs with: Lambda's temporary keys' form (``ASIA`` and 16
    more), one per function and version, so that the services know which handler is calling."""
    return "ASIA" + hashlib.sha256(f"{path}:{version}".encode()).hexdigest()[:16].upper()
