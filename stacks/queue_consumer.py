"""First's successes are queued and consumed in batches; what keeps failing ends in dead-letter queues.

First (invoked asynchronously) sends its success records to the Work queue, and its failed events,
after Lambda's two retries, to FirstDeadLetters (its dead-letter queue). Consumer reads Work in
batches with partial batch responses: a message it cannot process (a request marked
``"poison": true``, or a body that is no success record) is received again after Work's visibility
timeout, and after ``MAX_RECEIVES`` receives Work's redrive policy moves it to WorkDeadLetters.
Consumer reserves 2 concurrent executions, and the mapping invokes it at most 2 at a time, so no
batch is throttled back to the queue. (Reserving fails on a new account whose concurrency limit is
10: AWS keeps its whole pool unreserved.)
"""

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_redrive_policy import SqsQueueRedrivePolicy
from constructs import Construct

from components import Function, SqsDestination, SqsEventSource
from components.naming import physical_name
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings

CONSUMER_TIMEOUT = 30
CONSUMER_CONCURRENCY = 2
# Receives of a message before Work's redrive policy moves it to WorkDeadLetters.
MAX_RECEIVES = 3
# Dead letters are kept as long as SQS allows: they wait for someone to look at them.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


class QueueConsumerStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        first_dead_letters = self.queue("FirstDeadLetters", message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS)
        work_dead_letters = self.queue("WorkDeadLetters", message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS)
        # AWS's advice for a queue read by Lambda: a visibility timeout of six times the function's timeout.
        # Its redrive policy is a resource of its own, which compares it as JSON: the queue's argument
        # compares text, and would plan a change for an SQS that spaces the JSON it returns differently
        # (moto). The queue leaves that attribute to it.
        work = self.queue("Work", visibility_timeout_seconds=6 * CONSUMER_TIMEOUT, ignore_changes=["redrive_policy"])
        SqsQueueRedrivePolicy(
            self,
            "WorkRedrivePolicy",
            queue_url=work.url,
            redrive_policy=Fn.jsonencode(
                {"deadLetterTargetArn": work_dead_letters.arn, "maxReceiveCount": MAX_RECEIVES}
            ),
        )
        first = Function(self, "First", code=FUNCTIONS_DIR / "first", dead_letter=first_dead_letters)
        first.configure_async_invoke(on_success=SqsDestination(work))
        consumer = Function(
            self,
            "Consumer",
            code=FUNCTIONS_DIR / "consumer",
            timeout=CONSUMER_TIMEOUT,
            reserved_concurrency=CONSUMER_CONCURRENCY,
        )
        SqsEventSource(
            self,
            "WorkSource",
            queue=work,
            function=consumer,
            batch_size=10,
            max_batching_window=5,
            report_batch_item_failures=True,
            maximum_concurrency=CONSUMER_CONCURRENCY,
        )

        self.output("first_function_name", first.name, "Invoke this function asynchronously")
        self.output("first_function_arn", first.arn, "First function ARN")
        self.output("consumer_function_name", consumer.name, "Reads the Work queue in batches")
        self.output("work_queue_url", work.url, "Success records of First arrive here")
        self.output("work_queue_arn", work.arn, "The queue Consumer reads")
        self.output("work_dead_letter_queue_url", work_dead_letters.url, "Messages Consumer failed 3 times")
        self.output("first_dead_letter_queue_url", first_dead_letters.url, "Events First failed after its retries")

    def queue(
        self,
        id: str,
        *,
        message_retention_seconds: int | None = None,
        visibility_timeout_seconds: int | None = None,
        ignore_changes: list[str] | None = None,
    ) -> SqsQueue:
        """A standard queue named by the scheme, encrypted by SQS (SSE-SQS)."""
        return SqsQueue(
            self,
            id,
            name=physical_name(self, id, max_length=80, what="SQS queue name"),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=message_retention_seconds,
            visibility_timeout_seconds=visibility_timeout_seconds,
            lifecycle=TerraformResourceLifecycle(ignore_changes=ignore_changes) if ignore_changes else None,
        )
