"""Concurrency: how many executions of a function overlap a moment, and whether one more may start.

Reserved concurrency N (``reserved_concurrent_executions``) lets at most N executions of a function
overlap; an SQS mapping's ``maximum_concurrency`` bounds its own. An execution holds its lease from
its virtual start to its end (as LocalStack's counting service hands them out).
"""

from __future__ import annotations


class Leases:
    def __init__(self) -> None:
        self._busy: dict[str, list[tuple[float, float]]] = {}  # function path -> (start, end) of executions

    def running(self, function: str, at: float) -> int:
        """Executions of the function that overlap ``at`` (those that ended are forgotten)."""
        intervals = [(start, end) for start, end in self._busy.get(function, []) if end > at]
        self._busy[function] = intervals
        return sum(1 for start, _ in intervals if start <= at)

    def full(self, function: str, at: float, limits: list[int]) -> bool:
        """Whether ``function`` runs as many executions at ``at`` as the smallest of ``limits`` allows."""
        return bool(limits) and self.running(function, at) >= min(limits)

    def next_free(self, function: str) -> float:
        """When the first execution of the function that is still running ends."""
        return min(end for _, end in self._busy[function])

    def hold(self, function: str, start: float, end: float) -> None:
        # Executions that ended before this one started overlap nothing that is still due.
        busy = [(s, e) for s, e in self._busy.get(function, ()) if e > start]
        self._busy[function] = [*busy, (start, end)]
