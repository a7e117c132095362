"""An alias of a Function: a stable name for one of its versions (``aws_lambda_alias``).

Creates [Resource] ``aws_lambda_alias`` with the alias name, pointing at a published version of the
function (``Function(..., publish=True)``; its latest version by default) or at ``$LATEST`` when asked.
An alias has its own asynchronous invoke configuration (``configure_async_invoke``: qualifier = the
alias name, so a response-only rule matches ``<function arn>:<alias>``), and ``grant_invoke`` allows
``lambda:InvokeFunction`` on the alias ARN only.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias
from constructs import Construct

from components.async_invoke import EventInvokeConfig, configure_async_invoke
from components.errors import ConfigurationError
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.destinations.base import Destination
    from components.function import Function

_NAME = re.compile(r"^(?!\d+$)[A-Za-z0-9_-]{1,128}$")


class Alias(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: Function,
        name: str,
        version: str,
        description: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name) or name == "$LATEST":
            raise ConfigurationError(
                "alias name must be 1–128 letters, digits, '-' or '_', and not only digits (that names a version); "
                f"got {name!r}"
            )
        super().__init__(scope, id)
        self.function = function
        self.alias_name = name
        self.resource = LambdaAlias(
            self, "Resource", name=name, function_name=function.name, function_version=version, description=description
        )

    @functools.cached_property
    def arn(self) -> str:
        """The alias ARN, ``<function arn>:<alias name>`` (a Terraform reference)."""
        return self.resource.arn

    def grant_invoke(self, grantee: Function) -> None:
        """Allow ``grantee`` to invoke this alias (and nothing else of the function)."""
        grantee.add_to_role_policy(PolicyStatement(actions=("lambda:InvokeFunction",), resources=(self.arn,)))

    def configure_async_invoke(
        self,
        *,
        on_success: Destination | None = None,
        on_failure: Destination | None = None,
        max_event_age: int | None = None,
        retry_attempts: int | None = None,
    ) -> EventInvokeConfig:
        """Asynchronous invocation of this alias: destinations, retries (0–2), event age (60–21600 s)."""
        return configure_async_invoke(
            self,
            "alias",
            function=self.function,
            qualifier=self.alias_name,
            depends_on=[self.resource],
            on_success=on_success,
            on_failure=on_failure,
            max_event_age=max_event_age,
            retry_attempts=retry_attempts,
        )
