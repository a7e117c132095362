"""Run a synthesized stack locally the way Lambda's asynchronous invocation runs it.

Everything comes from the resolved model of ``cdk.tf.json`` (``local_runtime.model``) and the code
archives it points at, unpacked to a temporary folder: what runs is what would deploy. What it
follows, with AWS's pages: ``docs/local-runtime.md``. ``Engine`` is the facade; each concept is a
module of its own, importing only those before it in this list:

- ``clock``: the virtual clock on which executions overlap (nothing sleeps);
- ``report``: the run's report and log (``Run``, ``summary``);
- ``leases``: concurrency: executions overlapping a moment, reserved and mapping limits;
- ``arrivals``: events waiting for an attempt and pollers woken, as steps on the clock;
- ``loops``: who stops a recursive loop (Lambda's detection, or the engine's bound);
- ``environments``: warm execution environments per function and version, and one invocation;
- ``delivery``: ``deliver(target, payload, chain)``: what each kind of target does with it
  (through ``local_runtime.services``), and the effects of a handler's own calls;
- ``pollers``: SQS event source mappings;
- ``event_manager``: an asynchronous event's attempts, age, retries, records and dead-letter queue.

``Engine`` takes the steps off the clock in time order and hands each to the module it belongs to.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Mapping
from typing import Any, TextIO

from local_runtime.chain import Chain
from local_runtime.engine.arrivals import Arrivals, Attempt, Poll
from local_runtime.engine.clock import Clock
from local_runtime.engine.delivery import Delivery
from local_runtime.engine.environments import Environments
from local_runtime.engine.event_manager import EventManager
from local_runtime.engine.leases import Leases
from local_runtime.engine.pollers import Pollers
from local_runtime.engine.report import Recorder, Run, summary
from local_runtime.errors import EngineError
from local_runtime.limits import MAX_ASYNC_PAYLOAD_BYTES, SQS_MAX_BYTES
from local_runtime.model.records import Function, StackModel
from local_runtime.runtimes.base import Invocation
from local_runtime.services.calls import AwsCalls
from local_runtime.services.lambda_api import too_large

__all__ = ["Engine", "Run", "summary"]


class Engine:
    """Runs asynchronous invocations of one synthesized stack. Use as a context manager."""

    def __init__(
        self,
        stack: StackModel,
        *,
        out: TextIO | None = None,
        environment: Mapping[str, Mapping[str, str]] | None = None,
        timeouts: Mapping[str, int] | None = None,
        max_invocations: int = 10_000,
        duplicates: bool = False,
    ) -> None:
        """``environment`` and ``timeouts`` override, per function construct path, what the JSON says.

        Raises EngineError for what Lambda would refuse at deploy: a code archive that is missing,
        unreadable, not a zip, or holds entries outside its folder.
        """
        if stack.directory is None:
            raise EngineError(f"{stack.source}: the engine needs the stack's folder to find its code archives")
        self.stack = stack
        self.clock = Clock()
        self.calls = AwsCalls(stack)
        self.queues = self.calls.queues
        self._recorder = Recorder(
            out if out is not None else io.StringIO(), stack.label, lambda: self.environments.now()
        )
        self.leases = Leases()
        self.arrivals = Arrivals(self.clock, duplicates=duplicates)
        self.environments = Environments(
            stack,
            self.clock,
            self.leases,
            self._recorder,
            self.calls,
            environment=environment or {},
            timeouts=timeouts or {},
            max_invocations=max_invocations,
        )
        self.calls.runner = self.environments.invoke_from
        self.delivery = Delivery(stack, self.clock, self.arrivals, self.calls, self._recorder)
        self.pollers = Pollers(
            stack, self.arrivals, self.environments, self.leases, self.queues, self.delivery, self.calls, self._recorder
        )
        self.events = EventManager(
            stack, self.clock, self.arrivals, self.environments, self.leases, self.delivery, self.calls, self._recorder
        )

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.environments.close()
        self.calls.close()

    # --- what the run holds ------------------------------------------------------------------------------

    @property
    def run(self) -> Run:
        return self._recorder.run

    @property
    def now(self) -> float:
        return self.clock.now

    @property
    def handler_seconds(self) -> float:
        """Real time spent in handlers so far (the rest of a run's wall time is the engine's)."""
        return self.environments.handler_seconds

    # --- entry points ----------------------------------------------------------------------------------

    def invoke_async(self, function_path: str, payload: Any, qualifier: str | None = None) -> Run:
        """Invoke a function asynchronously (``InvocationType=Event``) and run until nothing is left."""
        self.queue_event(function_path, payload, qualifier)
        return self.drain()

    def queue_event(self, function_path: str, payload: Any, qualifier: str | None = None) -> None:
        """An asynchronous invoke of the function now, run by the next ``drain`` (several make a burst)."""
        function = self.function(function_path)
        size = len(json.dumps(payload).encode())
        if size > MAX_ASYNC_PAYLOAD_BYTES:
            raise EngineError(f"RequestTooLargeException: {too_large(size)}")
        self.arrivals.event(function, qualifier, payload, Chain(), self.clock.now, "caller", first=True)

    def send_message(self, queue: str, body: Any, attributes: Mapping[str, Any] | None = None) -> str:
        """An SQS ``SendMessage`` to a queue of the stack from outside it (as ``aws sqs send-message``).

        ``queue``: its construct path, ARN or URL; ``body`` a string, or JSON-encoded. Its consumers
        (event source mappings) receive it in the next ``drain``. Returns the message id.
        """
        record = self.stack.queues.get(queue) or next(
            (q for q in self.stack.queues.values() if queue in (q.ref.path, q.url)), None
        )
        if record is None:
            known = ", ".join(sorted(q.ref.path for q in self.stack.queues.values())) or "none"
            raise EngineError(f"no queue {queue!r} in stack {self.stack.name}; its queues: {known}")
        text = body if isinstance(body, str) else json.dumps(body)
        if len(text.encode()) > SQS_MAX_BYTES:
            raise EngineError(f"InvalidParameterValue: the message is over SQS's {SQS_MAX_BYTES} bytes")
        message_id = str(uuid.uuid4())
        self.delivery.send_to_queue(
            record.arn, text, Chain(), self.clock.now, attributes=attributes, message_id=message_id
        )
        return message_id

    def invoke_sync(self, function_path: str, payload: Any, qualifier: str | None = None) -> Invocation:
        """Invoke a function synchronously (as API Gateway does): one attempt, no destinations.

        What the handler queues (its asynchronous invokes) waits for ``drain``.
        """
        function = self.function(function_path)
        self.calls.tables.start()
        request_id = str(uuid.uuid4())
        chain = Chain().counted(function.path)
        invocation = self.environments.invoke(
            function, qualifier, payload, request_id, chain, attempt=1, origin="caller"
        )
        self.delivery.apply(self.calls.take())
        return invocation

    def drain(self) -> Run:
        """Run every queued event, poll and delivery, and what they cause, until nothing is left."""
        self.calls.tables.start()  # before any handler runs: its environment must not shape the client
        self.clock.run(self._dispatch)
        self.clock.now = max(self.clock.now, self.environments.latest)
        run = self.run
        run.virtual_seconds = round(self.clock.now, 3)
        run.tables = self.calls.tables.items() or run.tables
        run.queues, run.queue_messages = self.queues.contents(self.stack.label)
        return run

    def step(self) -> bool:
        """Run the next queued step (an attempt, a poll) and what it causes now; False when none is left.

        ``drain`` is ``step`` until nothing is left; a server answering requests between steps (the
        local HTTP API) calls ``step`` itself so a request never waits for a whole chain of hops.
        """
        if self.clock.peek() is None:
            return False
        self.calls.tables.start()
        self._dispatch(self.clock.step())
        return True

    def _dispatch(self, step: Any) -> None:
        if isinstance(step, Attempt):
            self.events.attempt(step.event)
        elif isinstance(step, Poll):
            self.pollers.poll(step)

    def function(self, path: str) -> Function:
        function = self.stack.functions.get(path)
        if function is None:
            raise EngineError(
                f"no function {path!r} in stack {self.stack.name}; "
                f"its functions: {', '.join(sorted(self.stack.functions)) or 'none'}"
            )
        return function
