"""A Lambda function that re-invokes itself asynchronously to continue a long job.

On top of ``Function`` it creates:
- a grant to ``lambda:InvokeFunction`` on its own ARN (and ``arn:*``) only. The grant lives in the
  role's separate policy resource, which references the function; the function references only the
  role, so there is no dependency cycle;
- [RecursionConfig] ``aws_lambda_function_recursion_config`` with ``recursive_loop = "Allow"``:
  without it AWS stops a Lambda-to-Lambda loop after about 16 hops. Pass
  ``allow_recursive_loop=False`` for emulators without that API (the chain then relies on AWS's
  loop detection, and ``max_chain_depth`` should stay under 16);
- [FailureQueue] an SQS queue as on-failure destination, so the state of a hop that fails is kept;
- asynchronous retries default to 0: a retried hop would re-invoke its successor a second time
  and fork the chain.
The hard chain-depth limit reaches the code as the ``MAX_CHAIN_DEPTH`` environment variable.
Every other ``Function`` option (``runtime``, ``timeout``, ``reserved_concurrency``, ``dead_letter``,
...) passes through to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdktf_cdktf_provider_aws.lambda_function_recursion_config import LambdaFunctionRecursionConfig
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components.async_invoke import validate_async_invoke_options
from components.destinations.sqs import SqsDestination
from components.errors import require_int_in_range
from components.function import Function
from components.naming import physical_name

MAX_CHAIN_DEPTH_LIMIT = 1000
FAILURE_RETENTION_SECONDS = 14 * 24 * 3600


class SelfInvokingFunction(Function):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: Path,
        max_chain_depth: int = 100,
        allow_recursive_loop: bool = True,
        retry_attempts: int = 0,
        max_event_age: int | None = None,
        environment: Mapping[str, str] | None = None,
        **function_options: Any,
    ) -> None:
        require_int_in_range("max_chain_depth", max_chain_depth, 1, MAX_CHAIN_DEPTH_LIMIT, "hops")
        validate_async_invoke_options(max_event_age=max_event_age, retry_attempts=retry_attempts)
        super().__init__(
            scope,
            id,
            code=code,
            environment={**(environment or {}), "MAX_CHAIN_DEPTH": str(max_chain_depth)},
            **function_options,
        )
        self.max_chain_depth = max_chain_depth
        self.grant_invoke(self)
        self.failure_queue = SqsQueue(
            self,
            "FailureQueue",
            name=physical_name(self, "failures", max_length=80, what="SQS queue name"),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=FAILURE_RETENTION_SECONDS,
        )
        self.configure_async_invoke(
            on_failure=SqsDestination(self.failure_queue),
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
        )
        self.recursion_config = (
            LambdaFunctionRecursionConfig(self, "RecursionConfig", function_name=self.name, recursive_loop="Allow")
            if allow_recursive_loop
            else None
        )
