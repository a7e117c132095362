"""``aws_lambda_function_event_invoke_config``: what Lambda does with an asynchronous result.

Validated at synth time, before any resource is added: ``max_event_age`` 60–21600 seconds,
``retry_attempts`` 0–2, ``qualifier`` ``$LATEST`` or a version/alias name. Destinations are bound
with this construct as their scope and grant the function what they need; the configuration
depends on the function's role policy, because AWS rejects a destination the role cannot yet reach.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from constructs import Construct
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure,
    LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
)

from components.destinations.base import Destination, DestinationKind
from components.errors import ConfigurationError, require_int_in_range

if TYPE_CHECKING:
    from components.function import Function

_QUALIFIER = re.compile(r"^(\$LATEST|[A-Za-z0-9_-]{1,128})$")


def validate_async_invoke_options(
    *, max_event_age: Optional[int], retry_attempts: Optional[int], qualifier: str
) -> None:
    if max_event_age is not None:
        require_int_in_range("max_event_age", max_event_age, 60, 21600, "seconds")
    if retry_attempts is not None:
        require_int_in_range("retry_attempts", retry_attempts, 0, 2)
    if not isinstance(qualifier, str) or not _QUALIFIER.match(qualifier):
        raise ConfigurationError(
            f"qualifier must be '$LATEST' or a version number or alias name "
            f"(letters, digits, '-', '_'); got {qualifier!r}"
        )


class EventInvokeConfig(Construct):
    """The asynchronous invoke configuration of one function (child id ``Resource``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: "Function",
        on_success: Optional[Destination] = None,
        on_failure: Optional[Destination] = None,
        max_event_age: Optional[int] = None,
        retry_attempts: Optional[int] = None,
        qualifier: str = "$LATEST",
    ) -> None:
        validate_async_invoke_options(
            max_event_age=max_event_age, retry_attempts=retry_attempts, qualifier=qualifier
        )
        super().__init__(scope, id)
        self.qualifier = qualifier
        success_arn = on_success.bind(self, function, DestinationKind.SUCCESS, qualifier=qualifier) if on_success else None
        failure_arn = on_failure.bind(self, function, DestinationKind.FAILURE, qualifier=qualifier) if on_failure else None
        destination_config = None
        if success_arn or failure_arn:
            destination_config = LambdaFunctionEventInvokeConfigDestinationConfig(
                on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=success_arn)
                if success_arn
                else None,
                on_failure=LambdaFunctionEventInvokeConfigDestinationConfigOnFailure(destination=failure_arn)
                if failure_arn
                else None,
            )
        self.resource = LambdaFunctionEventInvokeConfig(
            self,
            "Resource",
            function_name=function.name,
            qualifier=qualifier,
            maximum_event_age_in_seconds=max_event_age,
            maximum_retry_attempts=retry_attempts,
            destination_config=destination_config,
            depends_on=[function.role_policy],
        )
