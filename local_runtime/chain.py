"""What travels with an event: its chain of invocations, as Lambda's recursive loop detection counts it.

``lineage`` counts the invocations of each function so far in the chain: Lambda carries it through
Lambda, SQS, SNS and S3 ("Recursive loop detection"). Once a chain passes through a service that
carries no such metadata (EventBridge), Lambda can no longer see it: ``untracked`` counts from then
on, so that the local engine can still bound a loop AWS would let run (None: the chain never left
what Lambda follows). ``stopped``: Lambda stopped this chain as a loop once already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

EMPTY: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True)
class Chain:
    lineage: Mapping[str, int] = field(default_factory=dict)
    untracked: Mapping[str, int] | None = None
    stopped: bool = False

    def count(self, function: str) -> int:
        return self.lineage.get(function, 0)

    def count_untracked(self, function: str) -> int:
        return 0 if self.untracked is None else self.untracked.get(function, 0)

    def counted(self, function: str) -> Chain:
        """The chain with one more invocation of ``function``."""
        lineage = {**self.lineage, function: self.count(function) + 1}
        untracked = None if self.untracked is None else {**self.untracked, function: self.count_untracked(function) + 1}
        return Chain(lineage, untracked, self.stopped)

    def lost(self) -> Chain:
        """The chain after a service Lambda's detection does not follow: a new lineage, the counts kept apart."""
        return Chain(EMPTY, _larger(self.untracked or EMPTY, self.lineage))

    def joined(self, other: Chain) -> Chain:
        """One chain for what two chains bring together (a batch of messages): the larger counts of each."""
        untracked = None
        if self.untracked is not None or other.untracked is not None:
            untracked = _larger(self.untracked or EMPTY, other.untracked or EMPTY)
        return Chain(_larger(self.lineage, other.lineage), untracked, self.stopped or other.stopped)

    def stop(self) -> Chain:
        return Chain(self.lineage, self.untracked, True)


def _larger(first: Mapping[str, int], second: Mapping[str, int]) -> dict[str, int]:
    merged = dict(first)
    for name, count in second.items():
        merged[name] = max(merged.get(name, 0), count)
    return merged
