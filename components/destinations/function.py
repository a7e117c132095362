"""Invoke another Lambda function with the result, or only its response payload.

Plain mode: Lambda invokes the target with the full invocation record; the source function may
``lambda:InvokeFunction`` the target (``arn`` and ``arn:*``).

``response_only=True``: Lambda puts the record on the default EventBridge bus; a rule matching
this function's results (``<arn>:<qualifier>``) sends ``$.detail.responsePayload`` to the target,
which allows ``events.amazonaws.com`` to invoke it from that rule only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import Fn
from constructs import Construct
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission

from components.destinations.base import DestinationKind
from components.destinations.event_bridge import EventBridgeDestination

if TYPE_CHECKING:
    from components.function import Function

RESPONSE_PAYLOAD_PATH = "$.detail.responsePayload"


class FunctionDestination:
    def __init__(self, target: "Function", *, response_only: bool = False) -> None:
        self.target = target
        self.response_only = response_only

    def bind(self, scope: Construct, fn: "Function", kind: DestinationKind, *, qualifier: str) -> str:
        if not self.response_only:
            self.target.grant_invoke(fn)
            return self.target.arn
        ResponsePayloadRule(scope, kind.value, source=fn, target=self.target, kind=kind, qualifier=qualifier)
        return EventBridgeDestination().bind(scope, fn, kind, qualifier=qualifier)


class ResponsePayloadRule(Construct):
    """Rule [Rule] → target [Target] with input path, and the target's permission [InvokePermission]."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: "Function",
        target: "Function",
        kind: DestinationKind,
        qualifier: str,
    ) -> None:
        super().__init__(scope, id)
        self.rule = CloudwatchEventRule(
            self,
            "Rule",
            description=f"{kind.value} results of {source.function_name} ({qualifier}) to {target.function_name}",
            event_pattern=Fn.jsonencode(
                {
                    "source": ["lambda"],
                    "detail-type": [f"Lambda Function Invocation Result - {kind.value}"],
                    "resources": [f"{source.arn}:{qualifier}"],
                }
            ),
        )
        self.target = CloudwatchEventTarget(
            self,
            "Target",
            rule=self.rule.name,
            target_id="Target0",
            arn=target.arn,
            input_path=RESPONSE_PAYLOAD_PATH,
        )
        self.permission = LambdaPermission(
            self,
            "InvokePermission",
            action="lambda:InvokeFunction",
            function_name=target.arn,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
        )
