"""Running the conformance stacks, and reading what they produced the way the recorded tests read AWS.

The stacks are ``conformance-async``, ``conformance-errors`` and ``conformance-messaging``
(``tests/corpus/provider_classes/conformance.py``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from local_runtime.engine import Engine, Run
from local_runtime.model.records import StackModel


def run_async(stack: StackModel, function: str, payload: Any) -> Run:
    """One asynchronous invoke of ``function`` at t = 0, run until nothing is left."""
    with Engine(stack) as engine:
        engine.queue_event(function, payload)
        return engine.drain()


def received(message: dict[str, Any]) -> dict[str, Any]:
    """A message of the run's report (``Run.queue_messages``) as SQS's ReceiveMessage answers it:
    ``Body``, ``MD5OfBody`` (the MD5 of the body's bytes, by SQS's definition), ``MessageAttributes``
    (which ReceiveMessage leaves out when a message has none) and ``MessageId``."""
    view = {"Body": message["body"], "MD5OfBody": hashlib.md5(message["body"].encode()).hexdigest()}  # noqa: S324
    if message["messageAttributes"]:
        view["MessageAttributes"] = message["messageAttributes"]
    view["MessageId"] = message["messageId"]
    return view


def queue_url(stack: StackModel, path: str) -> str:
    return next(q.url for q in stack.queues.values() if q.ref.path == path)
