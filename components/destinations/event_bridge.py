"""Put invocation records on an EventBridge bus: the account's default bus unless given one.

Grants ``events:PutEvents`` on the bus. Lambda puts the record as the detail of an event with
source ``lambda`` and detail type ``Lambda Function Invocation Result - Success|Failure``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from constructs import Construct

from components.arns import EVENT_BUS, require_arn
from components.aws_context import default_event_bus_arn
from components.destinations.base import Destination, DestinationKind
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function


class EventBridgeDestination(Destination):
    def __init__(self, event_bus: CloudwatchEventBus | str | None = None) -> None:
        """``event_bus``: a ``CloudwatchEventBus`` of this stack, an existing bus's ARN, or None for the default bus."""
        if isinstance(event_bus, CloudwatchEventBus):
            self.event_bus_arn: str | None = event_bus.arn
        elif event_bus is None:
            self.event_bus_arn = None
        else:
            self.event_bus_arn = require_arn(event_bus, EVENT_BUS, "EventBridgeDestination(event_bus)")

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        bus_arn = self.event_bus_arn or default_event_bus_arn(scope)
        fn.add_to_role_policy(PolicyStatement(actions=("events:PutEvents",), resources=(bus_arn,)))
        return bus_arn
