"""Stacks mirroring the LocalStack tests whose real-AWS recordings ``tests/conformance`` compares with.

Each function is set up as the recorded test set up its own (runtime, memory, retries, maximum event
age, destinations, dead-letter target), so what the local runtime produces can be compared with
what AWS produced:

- ``conformance-async``: asynchronous invokes and what they leave behind: on-success and on-failure
  records in a queue (Integration, retries 0; DefaultRetries; EchoFail, retries 2; AgeSixty and
  AgeNinety, maximum event age 60 and 90 s; Paused, reserved concurrency 0), on a custom bus whose
  rule invokes Triggered (BusInput), and dead letters in a queue (DeadToQueue, default retries;
  DeadToQueueOnce, retries 0) or a topic a queue subscribes to (SnsSubscriber, itself subscribed
  to the topic Trigger, on which Publisher publishes);
- ``conformance-errors``: synchronous invokes, made with boto3 by Caller, that fail (Thrower in
  Python, NodeThrower in Node.js, Sleeper past its 1 s timeout, Paused with reserved concurrency 0),
  and a function that answers with its context (Introspect);
- ``conformance-messaging``: what SNS, SQS and EventBridge hand their subscribers: the topic
  Notices to a function (Echo) and to queues (NoticeInbox, RawInbox with raw delivery), the queues
  Books, Retried (visibility timeout 5 s) and Windowed (batching window 1 s) to Echo by event source
  mappings, and the bus Commands to Echo and to the queue CommandInbox. Publisher publishes and
  puts events as a test asks.
"""

from __future__ import annotations

import json

from cdktf import App, Fn
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.iam_role import IamRole, IamRoleInlinePolicy
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import LambdaEventSourceMapping
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

# One stack helper for the corpus: the role, its grants and the code archives, as async_world builds them.
from tests.corpus.provider_classes import TRUST
from tests.corpus.provider_classes.async_world import RECEIVE, _Stack


def _allow_invoke(s: _Stack, id: str, function: LambdaFunction, principal: str, source: str) -> None:
    LambdaPermission(
        s.stack,
        id,
        function_name=function.function_name,
        action="lambda:InvokeFunction",
        principal=principal,
        source_arn=source,
    )


def asynchronous(app: App) -> None:
    s = _Stack(app, "conformance-async")
    records, dead, dead_inbox = s.queue("Records"), s.queue("Dead"), s.queue("DeadInbox")
    s.grant("sqs:SendMessage", [records.arn, dead.arn])

    # TestLambdaDestinationSqs: one queue for both outcomes; test_lambda_destination_default_retries
    # sets destinations only.
    s.asynchronous(
        s.function("Integration", "integration"), success=records.arn, failure=records.arn, maximum_retry_attempts=0
    )
    s.asynchronous(s.function("DefaultRetries", "integration"), success=records.arn, failure=records.arn)
    # test_retries and test_maxeventage: a handler failing every attempt.
    s.asynchronous(s.function("EchoFail", "echofail"), failure=records.arn, maximum_retry_attempts=2)
    for id, age in (("AgeSixty", 60), ("AgeNinety", 90)):
        s.asynchronous(
            s.function(id, "echofail"),
            failure=records.arn,
            maximum_retry_attempts=2,
            maximum_event_age_in_seconds=age,
        )
    # TestLambdaConcurrency::test_reserved_concurrency
    paused = s.function("Paused", "integration", reserved_concurrent_executions=0)
    s.asynchronous(paused, failure=records.arn, maximum_retry_attempts=0)

    # TestLambdaDestinationEventbridge: both outcomes to a custom bus; its rule invokes Triggered.
    bus = CloudwatchEventBus(s.stack, "Results", name="conformance-results")
    s.grant("events:PutEvents", bus.arn)
    s.asynchronous(s.function("BusInput", "bus_input"), success=bus.arn, failure=bus.arn, maximum_retry_attempts=0)
    rule = CloudwatchEventRule(
        s.stack,
        "EveryResult",
        name="conformance-every-result",
        event_bus_name=bus.name,
        event_pattern=json.dumps({"version": ["0"]}),
    )
    triggered = s.function("Triggered", "echo")
    CloudwatchEventTarget(s.stack, "ResultToTriggered", rule=rule.name, event_bus_name=bus.name, arn=triggered.arn)
    _allow_invoke(s, "EventsInvokeTriggered", triggered, "events.amazonaws.com", rule.arn)

    # TestLambdaDLQ::test_dead_letter_queue (default retries), test_sqs_queue_as_lambda_dead_letter_queue
    # (retries 0), test_sns_topic_as_lambda_dead_letter_queue (topic -> function -> dead-letter topic -> queue).
    s.function("DeadToQueue", "integration", dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead.arn))
    once = s.function(
        "DeadToQueueOnce", "integration", dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead.arn)
    )
    s.asynchronous(once, maximum_retry_attempts=0)
    trigger = SnsTopic(s.stack, "Trigger", name="conformance-trigger")
    dead_topic = SnsTopic(s.stack, "DeadTopic", name="conformance-dead-topic")
    s.grant("sns:Publish", dead_topic.arn)
    subscriber = s.function(
        "SnsSubscriber", "integration", dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=dead_topic.arn)
    )
    s.asynchronous(subscriber, maximum_retry_attempts=0)
    SnsTopicSubscription(
        s.stack, "TriggerToSubscriber", topic_arn=trigger.arn, protocol="lambda", endpoint=subscriber.arn
    )
    _allow_invoke(s, "SnsInvokesSubscriber", subscriber, "sns.amazonaws.com", trigger.arn)
    SnsTopicSubscription(s.stack, "DeadTopicToInbox", topic_arn=dead_topic.arn, protocol="sqs", endpoint=dead_inbox.arn)
    s.allow_service(dead_inbox, "sns.amazonaws.com", dead_topic.arn)
    s.grant("sns:Publish", trigger.arn)
    s.function("Publisher", "publisher", environment=LambdaFunctionEnvironment(variables={"TOPIC_ARN": trigger.arn}))
    s.done()


def errors(app: App) -> None:
    s = _Stack(app, "conformance-errors")
    # TestLambdaRuntimesCommon::test_uncaught_exception_invoke and ::test_introspection_invoke: 1024 MB.
    thrower = s.function("Thrower", "thrower", memory_size=1024)
    node_thrower = s.function("NodeThrower", "node_thrower", runtime="nodejs20.x", memory_size=1024)
    s.function(
        "Introspect",
        "introspect",
        memory_size=1024,
        timeout=3,
        environment=LambdaFunctionEnvironment(variables={"TEST_KEY": "TEST_VAL"}),
    )
    # TestLambdaBehavior::test_lambda_invoke_with_timeout: Timeout 1.
    sleeper = s.function("Sleeper", "sleeper", timeout=1)
    # TestLambdaConcurrency::test_reserved_concurrency, invoked synchronously.
    paused = s.function("Paused", "introspect", reserved_concurrent_executions=0)
    # TestLambdaFeatures::test_invocation_with_logs: echo functions that log the event, 128 MB.
    log_echo = s.function("LogEcho", "log_echo")
    node_log_echo = s.function("NodeLogEcho", "node_log_echo", runtime="nodejs20.x")
    # The recorded tests invoked with boto3: Caller does, with a role of its own (the others may invoke nothing).
    invoke = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [thrower.arn, node_thrower.arn, sleeper.arn, paused.arn, log_echo.arn, node_log_echo.arn],
            }
        ]
    }
    caller_role = IamRole(
        s.stack,
        "CallerRole",
        name="conformance-errors-caller",
        assume_role_policy=Fn.jsonencode(TRUST),
        inline_policy=[IamRoleInlinePolicy(name="invoke", policy=Fn.jsonencode(invoke))],
    )
    targets = {
        "THROWER": thrower,
        "NODE_THROWER": node_thrower,
        "SLEEPER": sleeper,
        "PAUSED": paused,
        "LOG_ECHO": log_echo,
        "NODE_LOG_ECHO": node_log_echo,
    }
    variables = {name: function.function_name for name, function in targets.items()}
    s.function("Caller", "caller", role=caller_role, environment=LambdaFunctionEnvironment(variables=variables))
    s.done()


def messaging(app: App) -> None:
    s = _Stack(app, "conformance-messaging")
    echo = s.function("Echo", "echo")

    # TestSNSSubscriptionLambda and TestSNSSubscriptionSQS: a function, an envelope queue, a raw queue.
    topic = SnsTopic(s.stack, "Notices", name="conformance-notices")
    SnsTopicSubscription(s.stack, "NoticesToEcho", topic_arn=topic.arn, protocol="lambda", endpoint=echo.arn)
    _allow_invoke(s, "SnsInvokesEcho", echo, "sns.amazonaws.com", topic.arn)
    for id, raw in (("NoticeInbox", False), ("RawInbox", True)):
        inbox = s.queue(id)
        SnsTopicSubscription(
            s.stack,
            f"NoticesTo{id}",
            topic_arn=topic.arn,
            protocol="sqs",
            endpoint=inbox.arn,
            raw_message_delivery=raw,
        )
        s.allow_service(inbox, "sns.amazonaws.com", topic.arn)

    # test_lambda_integration_sqs.py: batch size 1 and no window; a 5 s visibility timeout; a 1 s window.
    mappings: dict[str, tuple[SqsQueue, int, int]] = {
        "Books": (s.queue("Books"), 1, 0),
        "Retried": (s.queue("Retried", visibility_timeout_seconds=5), 1, 0),
        "Windowed": (s.queue("Windowed"), 10, 1),
    }
    for id, (queue, batch_size, window) in mappings.items():
        s.grant(RECEIVE, queue.arn)
        LambdaEventSourceMapping(
            s.stack,
            f"{id}Mapping",
            event_source_arn=queue.arn,
            function_name=echo.arn,
            batch_size=batch_size,
            maximum_batching_window_in_seconds=window,
        )

    # TestEventsTargetLambda / TestEventsTargetSqs: one rule, a function and a queue as its targets.
    bus = CloudwatchEventBus(s.stack, "Commands", name="conformance-commands")
    rule = CloudwatchEventRule(
        s.stack,
        "UpdateAccount",
        name="conformance-update-account",
        event_bus_name=bus.name,
        event_pattern=json.dumps(
            {
                "source": ["core.update-account-command"],
                "detail-type": ["core.update-account-command"],
                "detail": {"command": ["update-account"]},
            }
        ),
    )
    command_inbox = s.queue("CommandInbox")
    CloudwatchEventTarget(s.stack, "CommandToEcho", rule=rule.name, event_bus_name=bus.name, arn=echo.arn)
    _allow_invoke(s, "EventsInvokeEcho", echo, "events.amazonaws.com", rule.arn)
    CloudwatchEventTarget(s.stack, "CommandToInbox", rule=rule.name, event_bus_name=bus.name, arn=command_inbox.arn)
    s.allow_service(command_inbox, "events.amazonaws.com", rule.arn)

    s.grant("sns:Publish", topic.arn)
    s.grant("events:PutEvents", bus.arn)
    variables = {"TOPIC_ARN": topic.arn, "BUS_NAME": bus.name}
    s.function("Publisher", "publisher", environment=LambdaFunctionEnvironment(variables=variables))
    s.done()


def build(app: App) -> None:
    asynchronous(app)
    errors(app)
    messaging(app)
