"""Put invocation records on an EventBridge bus (the account's default bus unless given one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from constructs import Construct

from components.aws_context import default_event_bus_arn
from components.destinations.base import DestinationKind
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function


class EventBridgeDestination:
    def __init__(self, event_bus_arn: Optional[str] = None) -> None:
        """``event_bus_arn``: e.g. ``CloudwatchEventBus.arn``; ``None`` means the default bus."""
        self.event_bus_arn = event_bus_arn

    def bind(self, scope: Construct, fn: "Function", kind: DestinationKind, *, qualifier: str) -> str:
        bus_arn = self.event_bus_arn or default_event_bus_arn(scope)
        fn.add_to_role_policy(PolicyStatement(actions=("events:PutEvents",), resources=(bus_arn,)))
        return bus_arn
