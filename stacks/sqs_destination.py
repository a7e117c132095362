"""First's successful results are sent to an SQS queue as invocation records.

No consumer is attached: the queue is where you read what Lambda delivered.
"""

from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components import Function, SqsDestination
from components.naming import physical_name
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings


class SqsDestinationStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        first = Function(self, "First", code=FUNCTIONS_DIR / "first")
        queue = SqsQueue(
            self,
            "Queue",
            name=physical_name(self, "Queue", max_length=80, what="SQS queue name"),
            sqs_managed_sse_enabled=True,
        )
        first.configure_async_invoke(on_success=SqsDestination(queue))

        self.output("first_function_name", first.name, "Invoke this function asynchronously")
        self.output("first_function_arn", first.arn, "First function ARN")
        self.output("queue_url", queue.url, "Success records of First arrive here")
        self.output("queue_arn", queue.arn, "Destination queue ARN")
