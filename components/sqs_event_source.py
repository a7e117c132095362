"""A function reading an SQS queue: the event source mapping and the one grant it needs.

Creates [Resource] ``aws_lambda_event_source_mapping`` from the queue (an ``SqsQueue`` of the stack,
or an existing queue's ARN) to the function, and grants the function's role ``sqs:ReceiveMessage``,
``sqs:DeleteMessage`` and ``sqs:GetQueueAttributes`` on that queue only, plus ``kms:Decrypt`` on its
key when the stack encrypts it with a customer-managed KMS key (``components.messaging``). The
mapping waits for the grant: Lambda checks it when it creates the mapping.

Options, checked at synth against what Lambda takes for SQS
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html) [defaults]:
- ``batch_size`` [10]: 1-10 messages per invocation; up to 10,000 on a standard queue with a
  ``max_batching_window`` of at least 1 s;
- ``max_batching_window`` [0 s]: 0-300 s to gather a batch; not on a FIFO queue;
- ``report_batch_item_failures`` [False]: the handler answers
  ``{"batchItemFailures": [{"itemIdentifier": <messageId>}]}`` and only those messages are received
  again (``function_response_types``); without it, any error returns the whole batch;
- ``maximum_concurrency`` [the function's own limit]: 2-1000 concurrent invocations from this queue
  (``scaling_config``); keep it at or under the function's ``reserved_concurrency``, or Lambda's
  throttles return messages to the queue, where they count as receives toward its redrive policy;
- ``filters`` [none]: event patterns (dicts) on the SQS record, e.g. ``{"body": {"kind": ["order"]}}``;
  Lambda deletes a message that matches none without invoking the function;
- ``enabled`` [True].

A queue of the stack whose visibility timeout (SQS's default: 30 s) is shorter than the function's
timeout is refused, as Lambda refuses the mapping (AWS recommends six times the function's timeout,
so that a throttled batch can be retried before it shows again). A failing message returns to the
queue after its visibility timeout; its dead-letter queue is the queue's own redrive policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cdktf_cdktf_provider_aws.lambda_event_source_mapping import (
    LambdaEventSourceMapping,
    LambdaEventSourceMappingFilterCriteria,
    LambdaEventSourceMappingFilterCriteriaFilter,
    LambdaEventSourceMappingScalingConfig,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from components.errors import ConfigurationError, require_int_in_range
from components.function import Function
from components.iam import PolicyStatement
from components.messaging import KMS_RECEIVE_ACTIONS, QueueRef

PARAMETER = "SqsEventSource(queue)"
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
SQS_DEFAULT_VISIBILITY_TIMEOUT = 30
MAX_BATCH_SIZE = 10
MAX_BATCH_SIZE_WITH_WINDOW = 10_000
MAX_BATCHING_WINDOW = 300
MAX_FILTER_PATTERN_LENGTH = 4096  # the API's limit on FilterCriteria.Filters[].Pattern


def _validate_filters(filters: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each event pattern as the JSON Lambda takes; ConfigurationError naming the pattern at fault."""
    if isinstance(filters, Mapping) or not isinstance(filters, Sequence) or isinstance(filters, str):
        raise ConfigurationError(f"filters must be a list of event patterns (dicts); got {filters!r}")
    patterns = []
    for index, pattern in enumerate(filters):
        if not isinstance(pattern, Mapping) or not pattern:
            raise ConfigurationError(
                f"filters[{index}] must be a non-empty event pattern (a dict such as "
                f'{{"body": {{"kind": ["order"]}}}}); got {pattern!r}'
            )
        try:
            written = json.dumps(pattern)
        except (TypeError, ValueError) as error:
            raise ConfigurationError(f"filters[{index}] must be JSON: {error}; got {pattern!r}") from None
        if len(written) > MAX_FILTER_PATTERN_LENGTH:
            raise ConfigurationError(
                f"filters[{index}] must be at most {MAX_FILTER_PATTERN_LENGTH} characters as JSON; got {len(written)}"
            )
        patterns.append(written)
    return patterns


class SqsEventSource(Construct):
    """The function ``function`` reading the queue ``queue`` (see the module docstring)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        queue: SqsQueue | str,
        function: Function,
        batch_size: int = 10,
        max_batching_window: int | None = None,
        report_batch_item_failures: bool = False,
        maximum_concurrency: int | None = None,
        filters: Sequence[Mapping[str, Any]] = (),
        enabled: bool = True,
    ) -> None:
        if not isinstance(function, Function):
            raise ConfigurationError(
                f"SqsEventSource(function) must be a Function of the stack; got {type(function).__name__}"
            )
        source = QueueRef.of(queue, PARAMETER)
        if max_batching_window is not None:
            require_int_in_range("max_batching_window", max_batching_window, 0, MAX_BATCHING_WINDOW, "seconds")
        window = max_batching_window or 0
        if source.fifo and window:
            raise ConfigurationError(
                f"max_batching_window: {source.label} is a FIFO queue, which Lambda reads without a batching window; "
                f"leave it out (got {window} seconds)"
            )
        if source.fifo:
            require_int_in_range("batch_size", batch_size, 1, MAX_BATCH_SIZE, "messages (FIFO queue)")
        elif window:
            require_int_in_range("batch_size", batch_size, 1, MAX_BATCH_SIZE_WITH_WINDOW, "messages")
        elif isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size > MAX_BATCH_SIZE:
            raise ConfigurationError(
                f"batch_size must be between 1 and {MAX_BATCH_SIZE} messages without a batching window (up to "
                f"{MAX_BATCH_SIZE_WITH_WINDOW} with max_batching_window of at least 1 second); got {batch_size}"
            )
        else:
            require_int_in_range("batch_size", batch_size, 1, MAX_BATCH_SIZE, "messages")
        if maximum_concurrency is not None:
            require_int_in_range("maximum_concurrency", maximum_concurrency, 2, 1000, "concurrent invocations")
        for name, flag in (("report_batch_item_failures", report_batch_item_failures), ("enabled", enabled)):
            if not isinstance(flag, bool):
                raise ConfigurationError(f"{name} must be True or False; got {flag!r}")
        patterns = _validate_filters(filters)
        self._require_visibility_covers_timeout(source, function)
        # Worked out before anything is added: a queue encrypted with a customer alias is refused here.
        statements: list[PolicyStatement] = []
        source.grant(scope, statements.append, CONSUME_ACTIONS, key_actions=KMS_RECEIVE_ACTIONS)

        super().__init__(scope, id)
        self.queue_arn = source.arn
        self.function = function
        for statement in statements:
            function.add_to_role_policy(statement)
        self.resource = LambdaEventSourceMapping(
            self,
            "Resource",
            event_source_arn=source.arn,
            function_name=function.arn,
            batch_size=batch_size,
            maximum_batching_window_in_seconds=window or None,
            function_response_types=["ReportBatchItemFailures"] if report_batch_item_failures else None,
            scaling_config=LambdaEventSourceMappingScalingConfig(maximum_concurrency=maximum_concurrency)
            if maximum_concurrency is not None
            else None,
            filter_criteria=LambdaEventSourceMappingFilterCriteria(
                filter=[LambdaEventSourceMappingFilterCriteriaFilter(pattern=p) for p in patterns]
            )
            if patterns
            else None,
            enabled=None if enabled else False,
            depends_on=[function.role_policy],
        )

    @staticmethod
    def _require_visibility_covers_timeout(source: QueueRef, function: Function) -> None:
        if not isinstance(source.construct, SqsQueue):
            return  # an existing queue's settings are not known here; Lambda checks them at deploy
        visibility = source.construct.visibility_timeout_seconds_input
        if visibility is None:
            visibility = SQS_DEFAULT_VISIBILITY_TIMEOUT
        # A reference (known at deploy only) is a negative number in Python; a timeout never is.
        if not isinstance(visibility, (int, float)) or visibility < 0 or visibility >= function.timeout:
            return
        raise ConfigurationError(
            f"{PARAMETER}: {source.label} has a visibility timeout of {visibility:g} seconds, shorter than the "
            f"timeout of function {function.node.path!r} ({function.timeout} seconds); Lambda refuses the mapping: "
            f"set visibility_timeout_seconds to at least {function.timeout} (AWS recommends {6 * function.timeout}, "
            "six times the function's timeout)"
        )
