"""A long job that re-invokes itself asynchronously, hop by hop, carrying its state."""

from collections.abc import Mapping

from constructs import Construct

from components import SelfInvokingFunction
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings


def long_job_function(
    stack: AppStack, settings: Settings, environment: Mapping[str, str] | None = None
) -> SelfInvokingFunction:
    """The long job (functions/long_job) as this stack and long-job-api deploy it."""
    return SelfInvokingFunction(
        stack,
        "LongJob",
        code=FUNCTIONS_DIR / "long_job",
        timeout=60,
        max_chain_depth=100,
        allow_recursive_loop=settings.recursion_config,
        environment=environment,
    )


class SelfInvokingStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        job = long_job_function(self, settings)

        self.output("long_job_function_name", job.name, "Start a job by invoking this function")
        self.output("long_job_function_arn", job.arn, "Self-invoking function ARN")
        self.output("failure_queue_url", job.failure_queue.url, "State of hops that failed arrives here")
