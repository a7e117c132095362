"""Invoke another Lambda function with the result, or only its response payload.

The target is a ``Function`` of this stack, one of its ``Alias``es, or the ARN of an existing
function (literal or reference; a qualified ARN targets that version or alias).

Plain mode: Lambda invokes the target with the full invocation record; the source function may
``lambda:InvokeFunction`` the target (a function: ``arn`` and ``arn:*``; an alias or a qualified ARN:
exactly that ARN).

``response_only=True``: Lambda puts the record on the default EventBridge bus; a rule matching
this function's results (``<arn>:<qualifier>``, source ``lambda`` or ``aws.lambda``) sends
``$.detail.responsePayload`` to the target, which allows ``events.amazonaws.com`` to invoke it from
that rule only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import Fn
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from components.arns import LAMBDA_FUNCTION, is_reference, require_arn
from components.destinations.base import Destination, DestinationKind
from components.destinations.event_bridge import EventBridgeDestination
from components.errors import ConfigurationError
from components.iam import PolicyStatement
from components.naming import physical_name

if TYPE_CHECKING:
    from components.alias import Alias
    from components.function import Function

RESPONSE_PAYLOAD_PATH = "$.detail.responsePayload"
# AWS's pages show both sources for these events; the rule matches either.
LAMBDA_EVENT_SOURCES = ("lambda", "aws.lambda")


class FunctionDestination(Destination):
    def __init__(self, target: Function | Alias | str, *, response_only: bool = False) -> None:
        from components.alias import Alias
        from components.function import Function

        self.response_only = response_only
        self._function: Function | None = None
        self._alias: Alias | None = None
        if isinstance(target, Alias):
            self._alias, self.target_arn = target, target.arn
            self._label = f"{target.function.function_name}:{target.alias_name}"
        elif isinstance(target, Function):
            self._function, self.target_arn, self._label = target, target.arn, target.function_name
        else:
            self.target_arn = require_arn(target, LAMBDA_FUNCTION, "FunctionDestination(target)")
            self._label = self.target_arn

    @property
    def target_function(self) -> tuple[Function, str] | None:
        if self._alias is not None:
            return self._alias.function, self._alias.alias_name
        return (self._function, "$LATEST") if self._function is not None else None

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        if not self.response_only:
            self._grant_invoke(fn)
            return self.target_arn
        ResponsePayloadRule(scope, kind.value, source=fn, destination=self, kind=kind, qualifier=qualifier)
        return EventBridgeDestination().bind(scope, fn, kind, qualifier=qualifier)

    def _grant_invoke(self, grantee: Function) -> None:
        if self._function is not None:
            self._function.grant_invoke(grantee)
        elif self._alias is not None:
            self._alias.grant_invoke(grantee)
        else:
            qualified = not is_reference(self.target_arn) and self.target_arn.count(":") == 7
            resources = (self.target_arn,) if qualified else (self.target_arn, f"{self.target_arn}:*")
            grantee.add_to_role_policy(PolicyStatement(actions=("lambda:InvokeFunction",), resources=resources))

    def permission_target(self) -> tuple[str, str | None]:
        """``function_name`` and ``qualifier`` of the target's ``aws_lambda_permission``."""
        if self._alias is not None:
            return self._alias.function.name, self._alias.alias_name
        return self.target_arn, None

    @property
    def label(self) -> str:
        """The target's function name (``name:alias`` for an alias), or its ARN."""
        return self._label


class ResponsePayloadRule(Construct):
    """Rule [Rule] → target [Target] with input path, and the target's permission [InvokePermission]."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: Function,
        destination: FunctionDestination,
        kind: DestinationKind,
        qualifier: str,
    ) -> None:
        super().__init__(scope, id)
        # <prefix>-<stack>-<function>[-<alias>]-<outcome>: the construct path would exceed 64 characters.
        qualifier_part = () if qualifier == "$LATEST" else (qualifier,)
        rule_name = physical_name(
            source, *qualifier_part, kind.value.lower(), max_length=64, what="EventBridge rule name"
        )
        self.rule = CloudwatchEventRule(
            self,
            "Rule",
            name=rule_name,
            description=f"{kind.value} results of {source.function_name} ({qualifier}) to {destination.label}",
            event_pattern=Fn.jsonencode(
                {
                    "source": list(LAMBDA_EVENT_SOURCES),
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
            arn=destination.target_arn,
            input_path=RESPONSE_PAYLOAD_PATH,
        )
        function_name, alias = destination.permission_target()
        self.permission = LambdaPermission(
            self,
            "InvokePermission",
            # Named, not generated: a deploy killed after creating it can adopt it (tools/state.py recover).
            statement_id=f"{rule_name}-invoke",
            action="lambda:InvokeFunction",
            function_name=function_name,
            qualifier=alias,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
        )

    @classmethod
    def of(cls, config: Construct, kind: DestinationKind) -> ResponsePayloadRule:
        """The rule a response-only destination made for ``kind`` under an async-invoke configuration."""
        made = config.node.try_find_child(kind.value)
        if not isinstance(made, cls):
            raise ConfigurationError(f"{config.node.path!r} has no response-only {kind.parameter} destination")
        return made
