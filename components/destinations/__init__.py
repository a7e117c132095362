"""Async-invoke destinations. Each ``bind`` returns the destination ARN and grants what it needs."""

from components.destinations.base import Destination, DestinationKind
from components.destinations.event_bridge import EventBridgeDestination
from components.destinations.function import FunctionDestination
from components.destinations.s3 import S3Destination
from components.destinations.sns import SnsDestination
from components.destinations.sqs import SqsDestination

__all__ = [
    "Destination",
    "DestinationKind",
    "EventBridgeDestination",
    "FunctionDestination",
    "S3Destination",
    "SnsDestination",
    "SqsDestination",
]
