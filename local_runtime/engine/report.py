"""What a run did, as the ``invoke --json`` command prints it, and the one place that records it.

``Run`` is the report; ``Recorder`` writes into it and into the log: each invocation, delivery,
drop, throttle and problem, and the trace ``local_runtime.diagram`` draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from local_runtime.model.records import Target


@dataclass
class Run:
    """What happened: the JSON the ``invoke`` command prints with ``--json``.

    ``queues``: what each queue of the stack holds at the end (consumed messages are gone), as
    payloads; ``queue_messages`` the same as SQS messages (body, message attributes, receive count).
    ``trace`` (not part of the JSON): every invocation and delivery in order, as
    ``(virtual seconds, from, to, what)``, which ``local_runtime.diagram`` draws.
    """

    invocations: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    queues: dict[str, list[Any]] = field(default_factory=dict)
    topics: dict[str, list[Any]] = field(default_factory=dict)
    buses: dict[str, list[Any]] = field(default_factory=dict)
    buckets: dict[str, list[Any]] = field(default_factory=dict)
    external: dict[str, list[Any]] = field(default_factory=dict)
    tables: dict[str, list[Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    virtual_seconds: float = 0.0
    throttles: list[dict[str, Any]] = field(default_factory=list)
    queue_messages: dict[str, list[Any]] = field(default_factory=dict)
    trace: list[tuple[float, str, str, str]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "trace"}

    def results_of(self, function: str) -> list[Any]:
        """What each invocation of ``function`` (a construct path) returned, or its error payload."""
        return [i["result"] for i in self.invocations if i["function"] == function]


class Recorder:
    """Writes the run: ``run`` (the report), ``out`` (the log, each line at its virtual time)."""

    def __init__(self, out: TextIO, label: Callable[[str], str], now: Callable[[], float]) -> None:
        self.run, self.out, self.label, self.now = Run(), out, label, now

    def say(self, line: str, at: float | None = None) -> None:
        print(f"[t+{self.now() if at is None else at:9.3f}s] {line}", file=self.out)

    def trace(self, at: float, source: str, target: str, what: str) -> None:
        self.run.trace.append((at, source, target, what))

    def delivery(
        self, at: float, source: str, condition: str, target: Target, payload: Any, reason: str | None
    ) -> None:
        self.run.deliveries.append(
            {
                "source": source,
                "condition": condition,
                "destination_kind": target.kind,
                "destination": self.label(target.arn),
                "allowed": reason is None,
                "payload": payload,
                "reason": reason,
            }
        )
        verdict = "delivered" if reason is None else f"DENIED: {reason}"
        self.trace(at, source, self.label(target.arn), f"{condition} ({'delivered' if reason is None else 'denied'})")
        self.say(f"{source} --{condition}--> {target.kind} {self.label(target.arn)}: {verdict}", at)

    def drop(self, function: str, reason: str, at: float | None = None) -> None:
        self.run.dropped.append({"function": function, "reason": reason})
        self.say(f"dropped ({function}): {reason}", at)

    def throttle(self, function: str, at: float, reason: str) -> None:
        self.run.throttles.append({"function": function, "time": round(at, 3), "reason": reason})
        self.say(f"{function}: throttled ({reason})", at)

    def problem(self, problem: str, *, once: bool = False) -> None:
        if not once or problem not in self.run.problems:
            self.run.problems.append(problem)

    def external(self, label: str, payload: Any) -> None:
        """Something sent outside the stack: recorded as delivered there."""
        self.run.external.setdefault(label, []).append(payload)


def summary(run: Run, started: float) -> str:
    """Lines summarizing a run: invocations, what reached each destination, what was dropped."""
    lines = [
        f"--- {len(run.invocations)} invocation(s), {run.virtual_seconds:.3f} s of virtual time, "
        f"{time.perf_counter() - started:.2f} s of real time"
    ]
    for name, values in (
        ("queue", run.queues),
        ("topic", run.topics),
        ("bus", run.buses),
        ("bucket", run.buckets),
        ("outside the stack", run.external),
    ):
        for label, items in values.items():
            lines.append(f"{name} {label}: {len(items)} message(s)")
    lines += [
        f"delivered: {d['source']} --{d['condition']}--> {d['destination']}" for d in run.deliveries if d["allowed"]
    ]
    lines += [f"throttled: {t['function']} at t+{t['time']} s: {t['reason']}" for t in run.throttles]
    lines += [f"dropped: {d['function']}: {d['reason']}" for d in run.dropped]
    lines += [f"problem: {p}" for p in run.problems]
    return "\n".join(lines)
