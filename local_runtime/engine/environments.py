"""Execution environments: warm ones per function and version, and the running of one invocation.

An environment is the runtime's executor (``local_runtime.runtimes``: Python, Node.js) over the
function's unpacked code archive; its SDK signs with an access key of its own. Running an invocation
takes an idle environment of the version, or starts one more, as Lambda does when every environment
is busy; tells the services who is calling (``AwsCalls.running``, by that key); starts it at the
clock's now, moves the clock past its real duration, holds its concurrency lease for that span and
records it. What its calls set in motion waits in the services' outbox for the caller of ``invoke``.
A handler's synchronous ``Invoke`` runs a function at once (``invoke_from``), inside the caller's
span of the clock: the caller's own function too, in a second environment.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_runtime.chain import Chain
from local_runtime.engine.clock import Clock
from local_runtime.engine.leases import Leases
from local_runtime.engine.report import Recorder
from local_runtime.errors import AwsError, EngineError
from local_runtime.limits import LOCAL_ENVIRONMENTS_BOUND
from local_runtime.model.records import LATEST, Function, StackModel
from local_runtime.runtimes import Executor, Invocation, InvocationRequest, archive, executor_for
from local_runtime.runtimes.base import lambda_variables
from local_runtime.services.caller import Caller
from local_runtime.services.calls import AwsCalls
from local_runtime.services.lambda_api import Answer
from local_runtime.services.protocols.endpoint import Endpoint


@dataclass
class _Environment:
    """One execution environment: its executor, its variables and the access key its SDK signs with."""

    executor: Executor
    variables: dict[str, str]
    access_key: str
    busy: bool = False


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
        self._pools: dict[tuple[str, str], list[_Environment]] = {}  # by function path and version
        self._code_dirs: dict[tuple[str, str], Path] = {}
        self._endpoint: Endpoint | None = None
        self._running: tuple[float, float] | None = None  # (virtual, real) start of the running handler

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
        environment = self._idle(function, version)
        started_at = self.now()  # inside a running handler (a synchronous invoke): its moment
        self.recorder.say(f"{function.path} ({function.name}) attempt {attempt}", started_at)
        self.recorder.trace(started_at, origin, function.path, f"invoke, attempt {attempt}")
        started_real = time.perf_counter()
        outer, self._running = self._running, (started_at, started_real)
        environment.busy = True
        try:
            with self.calls.running(Caller(function, chain, started_at, started_real), environment.access_key):
                invocation = environment.executor.invoke(
                    InvocationRequest(
                        event=payload,
                        request_id=request_id,
                        function_name=function.name,
                        function_version=version,
                        invoked_function_arn=f"{function.arn}:{qualifier}" if qualifier else function.arn,
                        memory_limit_in_mb=function.memory_size,
                        timeout_s=self.timeouts.get(function.path, function.timeout),
                        environment=environment.variables,
                        out=self.recorder.out,
                        region=self.stack.region,
                        log_group_name=f"/aws/lambda/{function.name}",
                    )
                )
        finally:
            self._running = outer
            environment.busy = False
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
        as Lambda refuses it when the function's reserved concurrency is taken (by the executions that
        overlap now on the clock, and those still running, the caller's own among them)."""
        limit = function.reserved_concurrency
        if limit is not None and self.leases.running(function.path, self.now()) + self._busy(function) >= limit:
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

    def _variables(self, function: Function, version: str, key_id: str) -> dict[str, str]:
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
            "AWS_ACCESS_KEY_ID": key_id,
        }

    def _busy(self, function: Function) -> int:
        """The function's environments running an invocation now, of any version."""
        return sum(e.busy for (path, _), pool in self._pools.items() if path == function.path for e in pool)

    def _idle(self, function: Function, version: str) -> _Environment:
        """An environment of the version that runs nothing now, warm if there is one, else a new one (its
        process starts on its first invocation); the local engine's bound on them refused as not emulated."""
        key = (function.path, version)
        pool = self._pools.setdefault(key, [])
        for environment in pool:
            if not environment.busy:
                return environment
        if len(pool) >= LOCAL_ENVIRONMENTS_BOUND:
            raise AwsError(
                "NotEmulated",
                f"{function.name} ({version}) is running in {len(pool)} execution environments at once (synchronous "
                f"invokes inside one another), the most the local engine starts for one version; on AWS the "
                "account's concurrency bounds them",
                501,
            )
        key_id = access_key(function.path, version, len(pool))
        executor = executor_for(
            function.runtime,
            self._code_dir(function, version),
            function.handler,
            name=function.path,
            endpoint=self._endpoint_url,
        )
        environment = _Environment(executor, self._variables(function, version, key_id), key_id)
        pool.append(environment)
        return environment

    def _code_dir(self, function: Function, version: str) -> Path:
        """The version's code, unpacked once for all its environments (Lambda's /var/task is read-only)."""
        key = (function.path, version)
        if key not in self._code_dirs:
            data = self._archives.get(function.path)
            if data is None:
                data = archive.check(function)  # code outside the stack: says why it cannot run
            folder = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{function.path}-{version}")
            self._code_dirs[key] = archive.unpack(data, Path(self._workdir.name) / folder)
        return self._code_dirs[key]

    def _endpoint_url(self) -> str:
        if self._endpoint is None:
            self._endpoint = Endpoint(self.calls)
        return self._endpoint.url

    def close(self) -> None:
        for pool in self._pools.values():
            for environment in pool:
                environment.executor.close()
        self._pools.clear()
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        self._workdir.cleanup()


def access_key(path: str, version: str, index: int = 0) -> str:
    """The access key an environment's SDK signs with: Lambda's temporary keys' form (``ASIA`` and 16
    more), one per environment of a function version, so that the services know which handler is calling."""
    name = f"{path}:{version}" if index == 0 else f"{path}:{version}:{index}"
    return "ASIA" + hashlib.sha256(name.encode()).hexdigest()[:16].upper()
