"""The engine's virtual clock: one heap of steps and four verbs (as SimPy's ``core.py``).

``schedule`` a step at a virtual time, ``peek`` at when the next is due, ``step`` to the next (its
time becomes ``now``), ``run`` until none is left. A step is plain data (``Attempt``, ``Poll``): the
engine says what each means. Nothing sleeps: a handler's real duration moves ``now`` forward, and
executions that overlap on this clock overlap for the concurrency they count.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(order=True)
class _Entry:
    due: float
    sequence: int
    step: Any = field(compare=False)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.epoch = datetime.now(UTC)  # what virtual time 0 is, for timestamps
        self._heap: list[_Entry] = []
        self._sequence = itertools.count()

    def schedule(self, due: float, step: Any) -> None:
        heapq.heappush(self._heap, _Entry(due, next(self._sequence), step))

    def peek(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def step(self) -> Any:
        entry = heapq.heappop(self._heap)
        self.now = entry.due
        return entry.step

    def run(self, dispatch: Callable[[Any], None]) -> None:
        while self._heap:
            dispatch(self.step())

    def moment(self, at: float) -> datetime:
        return self.epoch + timedelta(seconds=at)

    def timestamp(self, at: float) -> str:
        """``at`` as AWS writes a time in records: ``2026-11-25T00:29:00.171Z``."""
        moment = self.moment(at)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def seconds_timestamp(self, at: float) -> str:
        """``at`` as EventBridge writes an event's time: ``2026-11-25T00:29:00Z``."""
        return self.timestamp(at)[:19] + "Z"
