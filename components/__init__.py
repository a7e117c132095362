"""Reusable cdktf constructs for Lambda asynchronous invocation wiring.

Import what you need from here; each concept lives in its own module.
"""

from components import jsii_checks, provider_imports

provider_imports.install()
jsii_checks.install()

from components.alias import Alias
from components.async_invoke import EventInvokeConfig
from components.destinations import (
    Destination,
    DestinationKind,
    EventBridgeDestination,
    FunctionDestination,
    S3Destination,
    SnsDestination,
    SqsDestination,
)
from components.errors import ConfigurationError
from components.function import Function
from components.iam import PolicyStatement
from components.self_invoking_function import SelfInvokingFunction
from components.sqs_event_source import SqsEventSource

__all__ = [
    "Alias",
    "ConfigurationError",
    "Destination",
    "DestinationKind",
    "EventBridgeDestination",
    "EventInvokeConfig",
    "Function",
    "FunctionDestination",
    "PolicyStatement",
    "S3Destination",
    "SelfInvokingFunction",
    "SnsDestination",
    "SqsDestination",
    "SqsEventSource",
]
