"""Stacks of what AWS does beyond our own wiring, written with the provider classes alone.

- ``throttling``: reserved concurrency 0 (Paused) and 1 (Single, Aged);
- ``dead-letters``: a function's dead-letter queue (Failing), one its role may not send to (Denied),
  a dead-letter topic with a queue subscribed (ToTopic);
- ``limits``: records too big for an SNS topic but not for a queue; a handler's own invokes
  (too large, DryRun allowed and refused);
- ``consumers``: SQS event source mappings: batches, partial batch responses and a redrive policy
  (Consumer), a batching window (Batcher), filter criteria (Picky), a disabled mapping (Idle), one whose
  role may not poll (Orphan), the records as received (Inspector), a mapping without partial batch
  responses (Unreported), a queue's retention (ShortLived) and delay (Delayed), a mapping's maximum
  concurrency (Scaled);
- ``loops``: a function looping through a queue, a topic, a bucket (Lambda stops them), one allowed
  to loop (up to its own 20 hops) and one looping through EventBridge (Lambda cannot see it);
- ``sdk``: handlers calling with their SDK (boto3 and the SDK for JavaScript v3) a queue, a topic, an
  event bus, a bucket (put, get, list), a table and a function; a topic (Notices) a function and a
  queue subscribe to.
"""

from __future__ import annotations

import json
from typing import Any

from cdktf import App, AssetType, Fn, TerraformAsset, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import (
    LambdaEventSourceMapping,
    LambdaEventSourceMappingFilterCriteria,
    LambdaEventSourceMappingFilterCriteriaFilter,
    LambdaEventSourceMappingScalingConfig,
)
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
)
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure,
    LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
)
from cdktf_cdktf_provider_aws.lambda_function_recursion_config import LambdaFunctionRecursionConfig
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_notification import (
    S3BucketNotification,
    S3BucketNotificationLambdaFunction,
    S3BucketNotificationQueue,
)
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy

from tests.corpus.provider_classes import HANDLERS, TRUST

RECEIVE = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


class _Stack:
    """One stack of this corpus: its provider, one role whose grants are added as needed, code archives."""

    def __init__(self, app: App, name: str) -> None:
        self.stack = TerraformStack(app, name)
        self.name = name
        AwsProvider(self.stack, "aws", region="eu-west-1")
        self.role = IamRole(self.stack, "Role", name=f"{name}-role", assume_role_policy=Fn.jsonencode(TRUST))
        self.grants: list[dict[str, Any]] = []
        self.codes: dict[str, TerraformAsset] = {}
        account = DataAwsCallerIdentity(self.stack, "Account").account_id
        self.default_bus = f"arn:aws:events:eu-west-1:{account}:event-bus/default"

    def grant(self, actions: str | list[str], resource: str | list[str]) -> None:
        self.grants.append({"Effect": "Allow", "Action": actions, "Resource": resource})

    def function(
        self,
        id: str,
        handler: str = "worker",
        role: IamRole | None = None,
        *,
        runtime: str = "python3.12",
        handler_name: str = "index.handler",
        **options: Any,
    ) -> LambdaFunction:
        if handler not in self.codes:
            self.codes[handler] = TerraformAsset(
                self.stack, f"Code-{handler}", path=str(HANDLERS / handler), type=AssetType.ARCHIVE
            )
        code = self.codes[handler]
        # 30 s, not Lambda's default 3: what these stacks test is not a timeout, and a handler's first SDK
        # client takes seconds to build on a machine loaded by other work (tools/stress.py).
        options.setdefault("timeout", 30)
        return LambdaFunction(
            self.stack,
            id,
            function_name=f"{self.name}-{id}",
            role=(role or self.role).arn,
            handler=handler_name,
            runtime=runtime,
            filename=code.path,
            source_code_hash=code.asset_hash,
            **options,
        )

    def queue(self, id: str, **options: Any) -> SqsQueue:
        return SqsQueue(self.stack, id, name=f"{self.name}-{id}", **options)

    def asynchronous(
        self, function: LambdaFunction, *, success: str | None = None, failure: str | None = None, **options: Any
    ) -> None:
        config = LambdaFunctionEventInvokeConfigDestinationConfig(
            on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=success)
            if success
            else None,
            on_failure=LambdaFunctionEventInvokeConfigDestinationConfigOnFailure(destination=failure)
            if failure
            else None,
        )
        LambdaFunctionEventInvokeConfig(
            self.stack,
            f"{function.node.id}Async",
            function_name=function.function_name,
            destination_config=config,
            **options,
        )

    def allow_service(self, queue: SqsQueue, service: str, source: str) -> None:
        """A queue policy letting ``service`` send to ``queue`` from ``source`` only."""
        SqsQueuePolicy(
            self.stack,
            f"{queue.node.id}Policy-{service.split('.')[0]}",
            queue_url=queue.url,
            policy=Fn.jsonencode(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": service},
                            "Action": "sqs:SendMessage",
                            "Resource": queue.arn,
                            "Condition": {"ArnLike": {"aws:SourceArn": source}},
                        }
                    ]
                }
            ),
        )

    def done(self) -> None:
        if self.grants:
            IamRolePolicy(self.stack, "Grants", role=self.role.id, policy=Fn.jsonencode({"Statement": self.grants}))


def throttling(app: App) -> None:
    s = _Stack(app, "throttling")
    failures, dead = s.queue("Failures"), s.queue("Dead")
    s.grant("sqs:SendMessage", failures.arn)
    s.grant("sqs:SendMessage", dead.arn)
    dlq = LambdaFunctionDeadLetterConfig(target_arn=dead.arn)
    paused = s.function("Paused", reserved_concurrent_executions=0, dead_letter_config=dlq)
    s.asynchronous(paused, failure=failures.arn)
    single = s.function("Single", reserved_concurrent_executions=1)
    s.asynchronous(single, failure=failures.arn)
    aged = s.function("Aged", reserved_concurrent_executions=1)
    s.asynchronous(aged, failure=failures.arn, maximum_event_age_in_seconds=60, maximum_retry_attempts=0)
    s.done()


def dead_letters(app: App) -> None:
    s = _Stack(app, "dead-letters")
    failures, dead, inbox = s.queue("Failures"), s.queue("Dead"), s.queue("DeadInbox")
    topic = SnsTopic(s.stack, "DeadTopic", name="dead-letters-DeadTopic")
    SnsTopicSubscription(s.stack, "DeadToInbox", topic_arn=topic.arn, protocol="sqs", endpoint=inbox.arn)
    s.allow_service(inbox, "sns.amazonaws.com", topic.arn)
    s.grant("sqs:SendMessage", failures.arn)
    s.grant("sqs:SendMessage", dead.arn)
    s.grant("sns:Publish", topic.arn)
    failing = s.function("Failing", dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead.arn))
    s.asynchronous(failing, failure=failures.arn, maximum_retry_attempts=0)
    to_topic = s.function("ToTopic", dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=topic.arn))
    s.asynchronous(to_topic, maximum_retry_attempts=0)
    other = IamRole(s.stack, "DeniedRole", name="dead-letters-denied", assume_role_policy=Fn.jsonencode(TRUST))
    denied = s.function("Denied", role=other, dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead.arn))
    s.asynchronous(denied, maximum_retry_attempts=0)
    s.done()


def limits(app: App) -> None:
    s = _Stack(app, "limits")
    topic, queue = SnsTopic(s.stack, "Results", name="limits-Results"), s.queue("Queue")
    s.grant("sns:Publish", topic.arn)
    s.grant("sqs:SendMessage", queue.arn)
    s.asynchronous(s.function("ToTopic"), success=topic.arn)
    s.asynchronous(s.function("ToQueue"), success=queue.arn)
    target = s.function("Target")
    s.function("Other")  # the prober's role may not invoke it
    s.grant("lambda:InvokeFunction", target.arn)
    s.function(
        "Prober", handler="prober", environment=LambdaFunctionEnvironment(variables={"TARGET": target.function_name})
    )
    s.done()


def consumers(app: App) -> None:
    s = _Stack(app, "consumers")
    dead = s.queue("WorkDead")
    work = s.queue("Work", redrive_policy=Fn.jsonencode({"deadLetterTargetArn": dead.arn, "maxReceiveCount": 2}))
    batched, idle, orphan = s.queue("Batched"), s.queue("Idle"), s.queue("Orphan")
    for queue in (work, batched, idle, orphan):
        s.grant("sqs:SendMessage", queue.arn)
    for queue in (work, batched, idle):
        s.grant(RECEIVE, queue.arn)
    s.asynchronous(s.function("Producer"), success=work.arn)
    s.asynchronous(s.function("BatchProducer"), success=batched.arn)
    s.asynchronous(s.function("IdleProducer"), success=idle.arn)
    s.asynchronous(s.function("OrphanProducer"), success=orphan.arn)
    consumer = s.function("Consumer")
    LambdaEventSourceMapping(
        s.stack,
        "WorkMapping",
        event_source_arn=work.arn,
        function_name=consumer.arn,
        batch_size=10,
        maximum_batching_window_in_seconds=1,
        function_response_types=["ReportBatchItemFailures"],
    )
    batcher = s.function("Batcher")
    LambdaEventSourceMapping(
        s.stack,
        "BatchedMapping",
        event_source_arn=batched.arn,
        function_name=batcher.arn,
        batch_size=10,
        maximum_batching_window_in_seconds=5,
    )
    LambdaEventSourceMapping(
        s.stack, "IdleMapping", event_source_arn=idle.arn, function_name=s.function("Idler").arn, enabled=False
    )
    filtered = s.queue("Filtered")
    s.grant(RECEIVE, filtered.arn)
    LambdaEventSourceMapping(
        s.stack,
        "FilteredMapping",
        event_source_arn=filtered.arn,
        function_name=s.function("Picky").arn,
        filter_criteria=LambdaEventSourceMappingFilterCriteria(
            filter=[LambdaEventSourceMappingFilterCriteriaFilter(pattern=json.dumps({"body": {"keep": [True]}}))]
        ),
    )
    # What a record looks like (Inspector answers with its event), without and with a batching window;
    # a queue that delays its messages
    inspector = s.function("Inspector", handler="recorder")
    consumers: list[tuple[str, dict[str, Any], dict[str, Any], LambdaFunction | None]] = [
        ("Inspected", {}, {}, inspector),
        ("InspectedWindowed", {}, {"maximum_batching_window_in_seconds": 1}, inspector),
        ("Delayed", {"delay_seconds": 5}, {}, inspector),
        # A mapping that does not report batch item failures; a queue keeping messages 60 s only; a
        # mapping running at most 2 batches at once (each its own consumer)
        ("Unreported", {}, {}, None),
        ("ShortLived", {"message_retention_seconds": 60}, {}, None),
        (
            "Scaled",
            {},
            {"batch_size": 1, "scaling_config": LambdaEventSourceMappingScalingConfig(maximum_concurrency=2)},
            None,
        ),
    ]
    for id, queue_options, mapping_options, function in consumers:
        queue = s.queue(id, **queue_options)
        s.grant(RECEIVE, queue.arn)
        LambdaEventSourceMapping(
            s.stack,
            f"{id}Mapping",
            event_source_arn=queue.arn,
            function_name=(function or s.function(f"{id}Consumer")).arn,
            **mapping_options,
        )
    unprivileged = IamRole(s.stack, "OrphanRole", name="consumers-orphan", assume_role_policy=Fn.jsonencode(TRUST))
    LambdaEventSourceMapping(
        s.stack,
        "OrphanMapping",
        event_source_arn=orphan.arn,
        function_name=s.function("Orphaned", role=unprivileged).arn,
    )
    s.done()


def loops(app: App) -> None:
    s = _Stack(app, "loops")
    stops, dead = s.queue("Stops"), s.queue("LoopDead")
    loop_queue = s.queue(
        "LoopQueue", redrive_policy=Fn.jsonencode({"deadLetterTargetArn": dead.arn, "maxReceiveCount": 3})
    )
    s.grant("sqs:SendMessage", stops.arn)
    s.grant("sqs:SendMessage", loop_queue.arn)
    s.grant(RECEIVE, loop_queue.arn)
    through_queue = s.function(
        "QueueLooper", handler="looper", environment=LambdaFunctionEnvironment(variables={"QUEUE_URL": loop_queue.url})
    )
    LambdaEventSourceMapping(s.stack, "LoopMapping", event_source_arn=loop_queue.arn, function_name=through_queue.arn)

    allowed_queue = s.queue("AllowedQueue")
    s.grant("sqs:SendMessage", allowed_queue.arn)
    s.grant(RECEIVE, allowed_queue.arn)
    variables = {"QUEUE_URL": allowed_queue.url, "MAX_HOPS": "20"}
    allowed = s.function("AllowedLooper", handler="looper", environment=LambdaFunctionEnvironment(variables=variables))
    LambdaFunctionRecursionConfig(s.stack, "AllowLoop", function_name=allowed.function_name, recursive_loop="Allow")
    LambdaEventSourceMapping(s.stack, "AllowedMapping", event_source_arn=allowed_queue.arn, function_name=allowed.arn)

    topic = SnsTopic(s.stack, "LoopTopic", name="loops-LoopTopic")
    s.grant("sns:Publish", topic.arn)
    through_topic = s.function(
        "TopicLooper", handler="looper", environment=LambdaFunctionEnvironment(variables={"TOPIC_ARN": topic.arn})
    )
    s.asynchronous(through_topic, failure=stops.arn)
    SnsTopicSubscription(s.stack, "TopicToLooper", topic_arn=topic.arn, protocol="lambda", endpoint=through_topic.arn)
    LambdaPermission(
        s.stack,
        "SnsInvokes",
        function_name=through_topic.function_name,
        action="lambda:InvokeFunction",
        principal="sns.amazonaws.com",
        source_arn=topic.arn,
    )

    bucket = S3Bucket(s.stack, "LoopBucket", bucket="loops-loop-bucket")
    s.grant(["s3:PutObject"], f"{bucket.arn}/*")
    s.grant(["s3:ListBucket"], bucket.arn)
    through_bucket = s.function("BucketLooper")
    s.asynchronous(through_bucket, failure=bucket.arn, maximum_retry_attempts=0)
    permission = LambdaPermission(
        s.stack,
        "S3Invokes",
        function_name=through_bucket.function_name,
        action="lambda:InvokeFunction",
        principal="s3.amazonaws.com",
        source_arn=bucket.arn,
    )
    S3BucketNotification(
        s.stack,
        "LoopNotification",
        bucket=bucket.id,
        lambda_function=[
            S3BucketNotificationLambdaFunction(lambda_function_arn=through_bucket.arn, events=["s3:ObjectCreated:*"])
        ],
        depends_on=[permission],
    )

    through_bus = s.function("BusLooper")
    s.grant("events:PutEvents", s.default_bus)
    s.asynchronous(through_bus, success=s.default_bus)
    rule = CloudwatchEventRule(
        s.stack,
        "BusRule",
        name="loops-bus-rule",
        event_pattern=json.dumps(
            {
                "source": ["lambda"],
                "detail-type": ["Lambda Function Invocation Result - Success"],
                "resources": [f"{through_bus.arn}:$LATEST"],
            }
        ),
    )
    CloudwatchEventTarget(
        s.stack, "BusTarget", rule=rule.name, arn=through_bus.arn, input_path="$.detail.requestPayload"
    )
    LambdaPermission(
        s.stack,
        "EventsInvoke",
        function_name=through_bus.function_name,
        action="lambda:InvokeFunction",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )
    s.done()


def sdk(app: App) -> None:
    s = _Stack(app, "sdk")
    inbox, topic_inbox, bus_inbox, bucket_inbox = (
        s.queue(n) for n in ("Inbox", "TopicInbox", "BusInbox", "BucketInbox")
    )
    topic = SnsTopic(s.stack, "Topic", name="sdk-Topic")
    SnsTopicSubscription(
        s.stack,
        "TopicToInbox",
        topic_arn=topic.arn,
        protocol="sqs",
        endpoint=topic_inbox.arn,
        raw_message_delivery=True,
    )
    s.allow_service(topic_inbox, "sns.amazonaws.com", topic.arn)
    bus = CloudwatchEventBus(s.stack, "Bus", name="sdk-bus")
    rule = CloudwatchEventRule(
        s.stack,
        "ProbeRule",
        name="sdk-probes",
        event_bus_name=bus.name,
        event_pattern=json.dumps({"source": ["prober"]}),
    )
    CloudwatchEventTarget(
        s.stack, "ProbeToInbox", rule=rule.name, event_bus_name=bus.name, arn=bus_inbox.arn, input_path="$.detail"
    )
    s.allow_service(bus_inbox, "events.amazonaws.com", rule.arn)
    bucket = S3Bucket(s.stack, "Store", bucket="sdk-store")
    S3BucketNotification(
        s.stack,
        "StoreNotification",
        bucket=bucket.id,
        queue=[
            S3BucketNotificationQueue(queue_arn=bucket_inbox.arn, events=["s3:ObjectCreated:*"], filter_prefix="in/")
        ],
    )
    s.allow_service(bucket_inbox, "s3.amazonaws.com", bucket.arn)
    s.grant("sqs:SendMessage", inbox.arn)
    s.grant("sns:Publish", topic.arn)
    s.grant("events:PutEvents", bus.arn)
    s.grant(["s3:PutObject", "s3:GetObject"], f"{bucket.arn}/*")
    s.grant("s3:ListBucket", bucket.arn)
    table = DynamodbTable(
        s.stack,
        "Table",
        name="sdk-table",
        billing_mode="PAY_PER_REQUEST",
        hash_key="id",
        attribute=[DynamodbTableAttribute(name="id", type="S")],
    )
    s.grant(["dynamodb:PutItem", "dynamodb:GetItem"], table.arn)
    target = s.function("Target", handler="summer")
    # Notices: a topic a function and a queue subscribe to (the queue gets SNS's JSON, not raw)
    notices, notice_inbox = SnsTopic(s.stack, "Notices", name="sdk-Notices"), s.queue("NoticeInbox")
    listener = s.function("Listener", handler="recorder")
    SnsTopicSubscription(s.stack, "NoticesToListener", topic_arn=notices.arn, protocol="lambda", endpoint=listener.arn)
    LambdaPermission(
        s.stack,
        "NoticesInvokeListener",
        function_name=listener.function_name,
        action="lambda:InvokeFunction",
        principal="sns.amazonaws.com",
        source_arn=notices.arn,
    )
    SnsTopicSubscription(s.stack, "NoticesToInbox", topic_arn=notices.arn, protocol="sqs", endpoint=notice_inbox.arn)
    s.allow_service(notice_inbox, "sns.amazonaws.com", notices.arn)
    # ... and two queues with filter policies, LocalStack's recorded ones (test_sns.py, 8b9a79f0)
    body_policy = {
        "object": {"key": [{"prefix": "auto-"}, "hardcodedvalue"], "nested_key": [{"exists": False}]},
        "test": [{"exists": False}],
    }
    for id, policy, scope in (
        ("BodyFiltered", body_policy, "MessageBody"),
        ("AttributeFiltered", {"attr1": [{"numeric": [">", 0, "<=", 100]}]}, None),
    ):
        queue = s.queue(id)
        SnsTopicSubscription(
            s.stack,
            f"NoticesTo{id}",
            topic_arn=notices.arn,
            protocol="sqs",
            endpoint=queue.arn,
            filter_policy=json.dumps(policy),
            filter_policy_scope=scope,
        )
        s.allow_service(queue, "sns.amazonaws.com", notices.arn)
    s.grant("sns:Publish", notices.arn)
    variables = {
        "QUEUE_URL": inbox.url,
        "TOPIC_ARN": topic.arn,
        "BUS": bus.name,
        "BUCKET": bucket.bucket,
        "TABLE": table.name,
        "TARGET": target.function_name,
        "NOTICES_ARN": notices.arn,
    }
    prober = s.function("Prober", handler="prober", environment=LambdaFunctionEnvironment(variables=variables))
    s.grant("lambda:InvokeFunction", [target.arn, prober.arn])  # the prober may invoke itself too
    s.function(
        "NodeProber",
        handler="node_prober",
        runtime="nodejs20.x",
        handler_name="index.handler",
        environment=LambdaFunctionEnvironment(variables=variables),
    )
    other = IamRole(s.stack, "NoGrants", name="sdk-no-grants", assume_role_policy=Fn.jsonencode(TRUST))
    s.function("Unprivileged", handler="prober", role=other, environment=LambdaFunctionEnvironment(variables=variables))
    s.done()


def build(app: App) -> None:
    throttling(app)
    dead_letters(app)
    limits(app)
    consumers(app)
    loops(app)
    sdk(app)
