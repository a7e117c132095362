"""SQS event source mappings: Lambda's pollers, one per mapping ("Using Lambda with Amazon SQS").

A poller receives batches (``batch_size``, after ``maximum_batching_window_in_seconds``) while
messages are visible and executions are free (reserved concurrency, the mapping's
``maximum_concurrency``); messages its filter criteria reject are deleted unseen; a batch the
function fails returns after the visibility timeout, and with ``ReportBatchItemFailures`` only the
messages the response names do; the queue's redrive policy moves a message received too often. A
mapping Lambda would refuse (a role that may not poll, a source that is not a queue of the stack)
is a problem of the run and polls nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from local_runtime import iam
from local_runtime.chain import Chain
from local_runtime.engine.arrivals import Arrivals, Poll
from local_runtime.engine.delivery import Delivery
from local_runtime.engine.environments import Environments
from local_runtime.engine.leases import Leases
from local_runtime.engine.loops import STOPPED_LOOP, stopper
from local_runtime.engine.report import Recorder
from local_runtime.event_patterns import UnsupportedPattern, matches
from local_runtime.model.records import MAPPING_ACTIONS, EventSourceMapping, Function, Requirement, StackModel
from local_runtime.services.calls import AwsCalls
from local_runtime.services.sqs import Message, Queues


class Pollers:
    def __init__(
        self,
        stack: StackModel,
        arrivals: Arrivals,
        environments: Environments,
        leases: Leases,
        queues: Queues,
        delivery: Delivery,
        calls: AwsCalls,
        recorder: Recorder,
    ) -> None:
        self.stack, self.arrivals, self.environments, self.leases = stack, arrivals, environments, leases
        self.queues, self.delivery, self.calls, self.recorder = queues, delivery, calls, recorder
        self.arrivals.consume(self._valid_mappings())

    def _valid_mappings(self) -> list[EventSourceMapping]:
        """Mappings Lambda would accept; what it would refuse is a problem of the run."""
        valid = []
        for mapping in self.stack.event_source_mappings:
            name = mapping.ref.path
            if not mapping.enabled or mapping.function is None:
                continue
            if mapping.source_arn not in self.stack.queues:
                self.recorder.problem(
                    f"event source mapping {name} reads {mapping.source_label}, which is not a queue of this stack: "
                    "the local engine consumes only the stack's SQS queues"
                )
                continue
            role = self.stack.functions[mapping.function].role
            missing = iam.missing(role, [Requirement(action, mapping.source_arn) for action in MAPPING_ACTIONS])
            if missing:
                self.recorder.problem(
                    f"event source mapping {name} is broken: the role of {mapping.function} does not allow "
                    f"{', '.join(r.action for r in missing)} on {mapping.source_label} (Lambda refuses to create it)"
                )
                continue
            valid.append(mapping)
        return valid

    def poll(self, poll: Poll) -> None:
        """Receive batches while messages are visible and executions are free."""
        if not self.arrivals.current(poll):
            return  # a sooner poll took this one's place
        mapping = poll.mapping
        clock = self.environments.clock
        queue, function = self.stack.queues[mapping.source_arn], self.stack.functions[str(mapping.function)]
        started = clock.now
        while True:
            clock.now = started
            limits = [n for n in (function.reserved_concurrency, mapping.maximum_concurrency) if n is not None]
            if self.leases.full(function.path, started, limits):
                if min(limits) == 0:
                    self.recorder.throttle(
                        function.path, started, "reserved concurrency 0: the poller does not receive"
                    )
                    return
                self.recorder.throttle(
                    function.path, started, f"{min(limits)} concurrent executions running: the batch waits"
                )
                self.arrivals.wake(queue.arn, self.leases.next_free(function.path) - mapping.batching_window)
                return
            batch = self.queues.receive(queue.arn, started, mapping.batch_size)
            self._redriven()
            if not batch:
                later = self.queues.next_visible(queue.arn, started)
                if later is not None:
                    self.arrivals.wake(queue.arn, later - mapping.batching_window)
                return
            batch = self._filtered(mapping, queue.arn, batch)
            if batch:
                self._consume(mapping, function, queue.arn, batch)

    def _redriven(self) -> None:
        moves, self.queues.moved = self.queues.moved, []
        for moved_from, moved_to, message in moves:
            moved = f"message {message.message_id} moved to {self.stack.label(moved_to)}"
            self.recorder.say(f"{self.stack.label(moved_from)}: {moved} (redrive)")
            if moved_to not in self.stack.queues:
                self.recorder.external(self.stack.label(moved_to), _loads(message.body))
            else:
                self.arrivals.wake(moved_to, self.environments.clock.now)

    def _filtered(self, mapping: EventSourceMapping, queue_arn: str, batch: list[Message]) -> list[Message]:
        """The messages of the batch the mapping's filter criteria let through; Lambda deletes the others.

        ("Control which events Lambda sends to your function": a JSON body is matched as an object.)
        """
        if not mapping.filters:
            return batch
        queue, kept = self.stack.queues[queue_arn], []
        for message in batch:
            record = message.record(queue, self.stack.region, 0)
            fields = {**record, "body": _loads(message.body)}
            try:
                passes = any(matches(pattern, fields) for pattern in mapping.filters)
            except UnsupportedPattern as error:
                self.recorder.problem(
                    f"event source mapping {mapping.ref.path} uses {error}: treated as not matching", once=True
                )
                passes = False
            if passes:
                kept.append(message)
            else:
                self.queues.delete(queue_arn, message)
                self.recorder.say(
                    f"{queue.ref.path}: message {message.message_id} fails {mapping.ref.path}'s filter: deleted"
                )
        return kept

    def _consume(self, mapping: EventSourceMapping, function: Function, queue_arn: str, batch: list[Message]) -> None:
        queue, clock = self.stack.queues[queue_arn], self.environments.clock
        chain = Chain()
        for message in batch:
            chain = chain.joined(message.chain)
        epoch_ms = int(clock.epoch.timestamp() * 1000)
        window = mapping.batching_window
        payload = {"Records": [m.record(queue, self.stack.region, epoch_ms, window_s=window) for m in batch]}
        request_id = str(uuid.uuid4())
        stop = stopper(function, chain, request_id, self.recorder)
        if stop == "engine":
            for message in batch:
                self.queues.delete(queue_arn, message)
            return
        if stop == "lambda":
            # "Recursive loop detection": the batch is not processed; it returns to the queue and is
            # received again until the queue's redrive policy moves it to its dead-letter queue.
            self.recorder.say(
                f"{queue.ref.path}: {len(batch)} message(s) back after the visibility timeout ({STOPPED_LOOP})"
            )
            self.arrivals.wake(queue_arn, clock.now + queue.visibility_timeout - mapping.batching_window)
            return
        invocation = self.environments.invoke(
            function,
            mapping.qualifier,
            payload,
            request_id,
            chain.counted(function.path),
            attempt=max(m.receive_count for m in batch),
            origin=queue.ref.path,
        )
        self.delivery.apply(self.calls.take())
        failed = {m.message_id for m in batch} if invocation.error is not None else set()
        if invocation.error is None and mapping.report_batch_item_failures:
            failed = reported_failures(invocation.result, batch)
        for message in batch:
            if message.message_id not in failed:
                self.queues.delete(queue_arn, message)
        if failed:
            self.recorder.say(
                f"{queue.ref.path}: {len(failed)} message(s) of the batch back after the visibility timeout"
            )
            self.arrivals.wake(queue_arn, clock.now + queue.visibility_timeout - mapping.batching_window)


def reported_failures(result: Any, batch: list[Message]) -> set[str]:
    """The messages a partial batch response names as failed ("Using Lambda with Amazon SQS").

    No ``batchItemFailures``, or an empty list: the whole batch succeeded. An item without a valid
    ``itemIdentifier`` of the batch: Lambda treats the whole batch as failed.
    """
    ids = {m.message_id for m in batch}
    items = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not items:
        return set()
    named = {item.get("itemIdentifier") for item in items if isinstance(item, dict)}
    if len(named) != len(items) or not named <= ids:
        return ids
    return {str(n) for n in named}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
