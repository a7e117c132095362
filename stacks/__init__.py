from stacks.function_destination import FunctionDestinationStack
from stacks.long_job_api import LongJobApiStack
from stacks.queue_consumer import QueueConsumerStack
from stacks.response_only import ResponseOnlyStack
from stacks.self_invoking import SelfInvokingStack
from stacks.settings import Settings
from stacks.sqs_destination import SqsDestinationStack

__all__ = [
    "FunctionDestinationStack",
    "LongJobApiStack",
    "QueueConsumerStack",
    "ResponseOnlyStack",
    "SelfInvokingStack",
    "Settings",
    "SqsDestinationStack",
]
