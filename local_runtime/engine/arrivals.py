"""Events arriving for Lambda's asynchronous invocation, and SQS pollers woken to receive: the steps
that go on the clock. Putting one here is all a delivery does; the engine runs them in time order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from local_runtime.chain import Chain
from local_runtime.engine.clock import Clock
from local_runtime.model.records import EventSourceMapping, Function
from local_runtime.runtimes.base import Invocation


@dataclass
class AsyncEvent:
    """An asynchronous invocation waiting in Lambda's queue for its next attempt."""

    function: Function
    qualifier: str | None
    payload: Any
    request_id: str
    enqueued_at: float
    chain: Chain
    origin: str = "caller"  # who sent it, for the run's trace
    attempt: int = 1
    throttles: int = 0
    last: Invocation | None = None


@dataclass(frozen=True)
class Attempt:
    event: AsyncEvent


@dataclass(frozen=True)
class Poll:
    mapping: EventSourceMapping
    due: float


class Arrivals:
    """Puts attempts and polls on the clock."""

    def __init__(self, clock: Clock, *, duplicates: bool) -> None:
        self.clock, self.duplicates = clock, duplicates
        self._consumers: dict[str, list[EventSourceMapping]] = {}  # queue ARN -> its enabled, valid mappings
        self._polls: dict[int, float] = {}  # mapping -> when its next poll is due

    def event(
        self,
        function: Function,
        qualifier: str | None,
        payload: Any,
        chain: Chain,
        at: float,
        origin: str,
        *,
        first: bool = False,
    ) -> None:
        """An asynchronous event for ``function`` at ``at``; with ``duplicates``, every one after the first
        arrives twice (Lambda delivers at least once)."""
        request_id = str(uuid.uuid4())
        for _ in range(2 if self.duplicates and not first else 1):
            event = AsyncEvent(function, qualifier, json.loads(json.dumps(payload)), request_id, at, chain, origin)
            self.clock.schedule(at, Attempt(event))

    def retry(self, event: AsyncEvent, at: float) -> None:
        self.clock.schedule(at, Attempt(event))

    # --- SQS pollers ------------------------------------------------------------------------------------

    def consume(self, mappings: Sequence[EventSourceMapping]) -> None:
        for mapping in mappings:
            self._consumers.setdefault(mapping.source_arn, []).append(mapping)

    def wake(self, queue_arn: str, at: float) -> None:
        """The queue's consumers poll at ``at`` plus their batching window (a sooner poll replaces a later one)."""
        for mapping in self._consumers.get(queue_arn, []):
            due = at + mapping.batching_window
            key = id(mapping)
            if key in self._polls and self._polls[key] <= due:
                continue
            self._polls[key] = due
            self.clock.schedule(due, Poll(mapping, due))

    def current(self, poll: Poll) -> bool:
        """Whether ``poll`` is still the mapping's next (not replaced by a sooner one); it is taken."""
        if self._polls.get(id(poll.mapping)) != poll.due:
            return False
        del self._polls[id(poll.mapping)]
        return True
