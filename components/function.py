"""A Lambda function with its own role, log group and least-privilege default policy.

Creates (child ids in brackets):
- the code archive [Code] from a folder, packaged by ``components.code_asset``;
- an IAM role [ServiceRole] that only ``lambda.amazonaws.com`` may assume;
- a CloudWatch log group [LogGroup] ``/aws/lambda/<name>`` with retention (default 14 days);
- an inline role policy [DefaultPolicy] that starts with ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on that log group only. We do not attach the managed
  ``AWSLambdaBasicExecutionRole``: it allows writing to every log group in the account
  (``Resource: *``) and ``logs:CreateLogGroup``, which an explicit log group makes unnecessary;
- the function [Resource], depending on its log group so Lambda never creates an
  unmanaged one with infinite retention first;
- with ``dead_letter``, its grant in a policy of its own [DeadLetterPolicy], which the function waits
  for: Lambda checks it when it creates the function (``components.dead_letter``).

Defaults: Python 3.12, ``index.handler``, 128 MB, 30 s, X-Ray tracing off, no published versions
(``publish=True`` publishes one per change; ``add_alias`` names one), no reserved concurrency (the
function shares the account's unreserved pool), no dead-letter queue.
``runtime`` must be one Lambda supports (``components.runtimes``: deprecated and unknown ones are
refused). ``reserved_concurrency`` (0-1000) reserves that many concurrent executions for the function
and caps it there; 0 throttles every invocation (a switch that stops the function). 1000 is the
default account limit, so no default account can reserve more; AWS also keeps 100 of the account
unreserved, and refuses at deploy what the account cannot give.
Grants go through ``add_to_role_policy``; ``grant_invoke`` and the destinations call it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
)
from constructs import Construct

from components.async_invoke import LATEST, EventInvokeConfig, configure_async_invoke
from components.code_asset import code_asset
from components.dead_letter import dead_letter_target, grant_dead_letter
from components.errors import ConfigurationError, require_int_in_range
from components.iam import PolicyDocument, PolicyStatement
from components.naming import NamedConstruct, physical_name
from components.runtimes import require_runtime

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

    from components.alias import Alias
    from components.destinations.base import Destination

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# The default account concurrency limit: what no default account can reserve beyond (see the docstring).
MAX_RESERVED_CONCURRENCY = 1000
# X-Ray's trace APIs support no resource-level permissions: AWS documents "*" as the only resource.
XRAY_STATEMENT = PolicyStatement(actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords"), resources=("*",))


class Function(NamedConstruct):
    """A Lambda function whose code lives in a folder next to the project (see module docstring)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: Path,
        handler: str = "index.handler",
        runtime: str = "python3.12",
        timeout: int = 30,
        memory_size: int = 128,
        environment: Mapping[str, str] | None = None,
        tracing: bool = False,
        log_retention_days: int = 14,
        description: str | None = None,
        publish: bool = False,
        reserved_concurrency: int | None = None,
        dead_letter: SqsQueue | SnsTopic | str | None = None,
    ) -> None:
        require_runtime(runtime)
        require_int_in_range("timeout", timeout, 1, 900, "seconds")
        require_int_in_range("memory_size", memory_size, 128, 10240, "MB")
        if log_retention_days not in LOG_RETENTION_DAYS:
            raise ConfigurationError(
                f"log_retention_days must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}; "
                f"got {log_retention_days!r}"
            )
        if reserved_concurrency is not None:
            require_int_in_range(
                "reserved_concurrency", reserved_concurrency, 0, MAX_RESERVED_CONCURRENCY, "concurrent executions"
            )
        # The dead letter's grant is worked out first: a queue encrypted with a customer alias is refused
        # before anything is added.
        dead_letter_ref = dead_letter_target(dead_letter) if dead_letter is not None else None
        dead_letter_statements: list[PolicyStatement] = []
        if dead_letter_ref is not None:
            grant_dead_letter(scope, dead_letter_ref, dead_letter_statements.append)
        super().__init__(scope, id)
        self.function_name = physical_name(self, max_length=64, what="Lambda function name")
        role_name = physical_name(self, "role", max_length=64, what="IAM role name")
        asset, archive = code_asset(self, "Code", code)

        self.log_group = CloudwatchLogGroup(
            self, "LogGroup", name=f"/aws/lambda/{self.function_name}", retention_in_days=log_retention_days
        )
        trust = PolicyDocument(
            self,
            "AssumeRolePolicy",
            [PolicyStatement(actions=("sts:AssumeRole",), service_principals=("lambda.amazonaws.com",))],
        )
        self.role = IamRole(self, "ServiceRole", name=role_name, assume_role_policy=trust.json)
        self._policy = PolicyDocument(
            self,
            "DefaultPolicyDocument",
            [
                PolicyStatement(
                    actions=("logs:CreateLogStream", "logs:PutLogEvents"),
                    resources=(f"{self.log_group.arn}:*",),
                )
            ],
        )
        if tracing:
            self._policy.add(XRAY_STATEMENT)
        self.role_policy = IamRolePolicy(
            self, "DefaultPolicy", name="default", role=self.role.id, policy=self._policy.json
        )
        self.dead_letter_policy: IamRolePolicy | None = None
        if dead_letter_statements:
            document = PolicyDocument(self, "DeadLetterPolicyDocument", dead_letter_statements)
            self.dead_letter_policy = IamRolePolicy(
                self, "DeadLetterPolicy", name="dead-letter", role=self.role.id, policy=document.json
            )
        self.resource = LambdaFunction(
            self,
            "Resource",
            function_name=self.function_name,
            description=description,
            role=self.role.arn,
            handler=handler,
            runtime=runtime,
            timeout=timeout,
            memory_size=memory_size,
            filename=asset.path,
            source_code_hash=archive.source_code_hash,
            environment=LambdaFunctionEnvironment(variables=dict(environment)) if environment else None,
            tracing_config=LambdaFunctionTracingConfig(mode="Active") if tracing else None,
            publish=publish or None,
            reserved_concurrent_executions=reserved_concurrency,
            dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead_letter_ref.arn)
            if dead_letter_ref
            else None,
            depends_on=[self.log_group, *([self.dead_letter_policy] if self.dead_letter_policy else [])],
        )
        self.publish = publish
        self.timeout = timeout
        # qualifier -> [(outcome, (target function, target qualifier))]: followed to refuse loops.
        self.destination_edges: dict[str, list[tuple[str, tuple[Function, str]]]] = {}

    @functools.cached_property
    def arn(self) -> str:
        """Unqualified function ARN (a Terraform reference; read from the kernel once)."""
        return self.resource.arn

    @functools.cached_property
    def name(self) -> str:
        """Function name as a Terraform reference, so users of it depend on the function."""
        return self.resource.function_name

    @property
    def policy_statements(self) -> tuple[PolicyStatement, ...]:
        """Statements of the role's default policy, in the order they were added."""
        return self._policy.statements

    def add_to_role_policy(self, statement: PolicyStatement) -> None:
        """Allow this function's role ``statement`` (duplicates are ignored)."""
        self._policy.add(statement)

    def grant_invoke(self, grantee: Function) -> None:
        """Allow ``grantee`` to invoke this function, unqualified or any version/alias."""
        grantee.add_to_role_policy(
            PolicyStatement(actions=("lambda:InvokeFunction",), resources=(self.arn, f"{self.arn}:*"))
        )

    def configure_async_invoke(
        self,
        *,
        on_success: Destination | None = None,
        on_failure: Destination | None = None,
        max_event_age: int | None = None,
        retry_attempts: int | None = None,
    ) -> EventInvokeConfig:
        """Configure asynchronous invocation of ``$LATEST``: destinations, retries (0–2), event age (60–21600 s).

        Can be called once per function (an alias has its own: ``add_alias(...).configure_async_invoke``);
        the destinations grant their own permissions.
        """
        return configure_async_invoke(
            self,
            "function",
            function=self,
            qualifier=LATEST,
            on_success=on_success,
            on_failure=on_failure,
            max_event_age=max_event_age,
            retry_attempts=retry_attempts,
        )

    @property
    def version(self) -> str:
        """The latest published version (a Terraform reference); ``$LATEST`` unless ``publish=True``."""
        return self.resource.version

    def add_alias(self, name: str, *, version: str | None = None, description: str | None = None) -> Alias:
        """An alias [Alias-<name>] of this function, on ``version`` (default: the latest published one)."""
        from components.alias import Alias

        if version is None:
            if not self.publish:
                raise ConfigurationError(
                    f"add_alias({name!r}) on function {self.node.path!r} needs a published version: create the "
                    "function with publish=True, or pass version='$LATEST' to alias the unpublished code"
                )
            version = self.version
        if self.node.try_find_child(f"Alias-{name}") is not None:
            raise ConfigurationError(f"function {self.node.path!r} already has an alias {name!r}")
        return Alias(self, f"Alias-{name}", function=self, name=name, version=version, description=description)
