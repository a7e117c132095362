"""What a handler's calls set in motion, for the engine to carry out once the handler has returned.

A service answers the call at once (a message id, 202 for an invoke) and describes what follows as
an effect: the engine, which owns the clock and the queues, applies each at the virtual time ``at``
the call was made, in the order the calls came. Services never call back into the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local_runtime.chain import Chain
from local_runtime.model.records import Function


@dataclass(frozen=True)
class Effect:
    origin: str  # construct path of the calling function
    chain: Chain
    at: float


@dataclass(frozen=True)
class Invoke(Effect):
    """An asynchronous invoke (``InvocationType=Event``) of a function of the stack."""

    function: Function
    qualifier: str | None
    payload: Any
    target: str  # the ARN the role was allowed to invoke, for the log


@dataclass(frozen=True)
class QueueMessage(Effect):
    queue_arn: str
    body: str
    message_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicMessage(Effect):
    topic_arn: str
    message: str
    message_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    subject: str | None = None


@dataclass(frozen=True)
class BusEvent(Effect):
    bus_arn: str
    event: Mapping[str, Any]  # without its "time", which is ``at``'s


@dataclass(frozen=True)
class BucketObject(Effect):
    bucket_arn: str
    key: str
    body: bytes
