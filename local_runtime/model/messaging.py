"""SQS, SNS, EventBridge, S3 and DynamoDB as the file writes them: queues (policies, redrive, keys),
topics and their subscriptions, buses, rules and their targets, buckets and their notifications,
tables; and API Gateway HTTP APIs with the functions their routes proxy to."""

from __future__ import annotations

from local_runtime.arns import last_name
from local_runtime.model.document import LABEL, RESOLVED, Document, Node, as_list, optional_int
from local_runtime.model.policies import policy as iam_policy
from local_runtime.model.records import (
    Bucket,
    BucketNotification,
    Bus,
    Queue,
    Redrive,
    Rule,
    RuleTarget,
    Statement,
    Subscription,
    Table,
    Target,
    Topic,
)
from local_runtime.model.targets import Targets


def queues(doc: Document) -> dict[str, Queue]:
    return {q.arn: q for q in (queue(doc, n) for n in doc.resources("aws_sqs_queue"))}


def topics(doc: Document) -> dict[str, Topic]:
    return {t.arn: t for t in (topic(doc, n) for n in doc.resources("aws_sns_topic"))}


def buses(doc: Document) -> dict[str, Bus]:
    """The default bus, which every account has, and every ``aws_cloudwatch_event_bus``, by name."""
    default = f"arn:{doc.partition}:events:{doc.region}:{doc.account}:event-bus/default"
    found = {"default": Bus(None, "default", default)}
    for node in doc.resources("aws_cloudwatch_event_bus"):
        name = doc.attribute(node, "name")
        found[name] = Bus(node.ref, name, doc.attribute(node, "arn"))
    return found


def subscriptions(doc: Document, targets: Targets) -> tuple[Subscription, ...]:
    return tuple(subscription(doc, n, targets) for n in doc.resources("aws_sns_topic_subscription"))


def tables(doc: Document) -> dict[str, Table]:
    return {t.name: t for t in (table(doc, n) for n in doc.resources("aws_dynamodb_table"))}


def buckets(doc: Document, targets: Targets) -> dict[str, Bucket]:
    """Every ``aws_s3_bucket``, by ARN, with the targets its ``aws_s3_bucket_notification``s name."""
    nodes = {str(doc.attribute(node, "arn")): node for node in doc.resources("aws_s3_bucket")}
    notifications: dict[str, list[BucketNotification]] = {arn: [] for arn in nodes}
    for notification in doc.resources("aws_s3_bucket_notification"):
        arn = next((a for a, b in nodes.items() if doc.names_node(notification.get("bucket"), b, "bucket", "id")), None)
        if arn is None:
            doc.problem(
                f"{notification.ref} ({notification.path}): the notification names a bucket that is not in the file"
            )
            continue
        notifications[arn] += bucket_notifications(doc, notification, targets)
    return {
        arn: Bucket(node.ref, doc.attribute(node, "bucket"), arn, tuple(notifications[arn]))
        for arn, node in nodes.items()
    }


def bucket_notifications(doc: Document, node: Node, targets: Targets) -> list[BucketNotification]:
    """The function, queue and topic targets of one ``aws_s3_bucket_notification``."""
    context = f"{node.ref} ({node.path})"
    notifications = []
    for kind, arn_key in (("lambda_function", "lambda_function_arn"), ("queue", "queue_arn"), ("topic", "topic_arn")):
        for block in as_list(node.get(kind)):
            if not isinstance(block, dict) or not block.get(arn_key):
                continue
            events = tuple(str(e) for e in as_list(doc.resolved(block.get("events"), context)))
            notifications.append(
                BucketNotification(
                    target=targets.target(block[arn_key], f"{context}: {kind}"),
                    events=events,
                    prefix=str(doc.resolved(block.get("filter_prefix", ""), context)),
                    suffix=str(doc.resolved(block.get("filter_suffix", ""), context)),
                )
            )
    return notifications


def rules(doc: Document, targets: Targets) -> list[Rule]:
    rules = []
    written_targets = doc.resources("aws_cloudwatch_event_target")
    claimed: set[str] = set()
    for node in doc.resources("aws_cloudwatch_event_rule"):
        context = f"{node.ref} ({node.path})"
        pattern = node.get("event_pattern")
        bus = str(doc.resolved(node.get("event_bus_name") or "default", f"{context}: event_bus_name"))
        bus_name = last_name(bus)
        rule_targets = []
        for target in written_targets:
            target_bus = last_name(str(doc.resolved(target.get("event_bus_name") or "default", str(target.ref))))
            if doc.names_node(target.get("rule"), node, "name") and target_bus == bus_name:
                claimed.add(target.logical_id)
                rule_targets.append(rule_target(doc, target, targets))
        state = str(doc.resolved(node.get("state", "ENABLED"), context))
        rules.append(
            Rule(
                ref=node.ref,
                name=str(doc.attribute(node, "name")),
                arn=str(doc.attribute(node, "arn")),
                bus_name=bus_name,
                pattern=doc.json_argument(pattern, RESOLVED, f"{context}: event_pattern")
                if pattern is not None
                else None,
                pattern_label=doc.json_argument(pattern, LABEL, context) if pattern is not None else None,
                schedule=str(doc.resolved(node.get("schedule_expression"), context))
                if node.get("schedule_expression")
                else None,
                enabled=state != "DISABLED" and node.get("is_enabled", True) is not False,
                targets=tuple(rule_targets),
            )
        )
    for target in written_targets:
        if target.logical_id not in claimed:
            doc.problem(f"{target.ref} ({target.path}): the target names a rule that is not in the file")
    return rules


def rule_target(doc: Document, node: Node, targets: Targets) -> RuleTarget:
    context = f"{node.ref} ({node.path})"
    transformer = (as_list(node.get("input_transformer")) or [None])[0]
    dead_letter = (as_list(node.get("dead_letter_config")) or [{}])[0] or {}
    retry = (as_list(node.get("retry_policy")) or [{}])[0] or {}
    return RuleTarget(
        ref=node.ref,
        target=targets.target(node.get("arn", ""), f"{context}: arn"),
        rule_label=str(doc.labelled(node.get("rule"))),
        input=doc.resolved(node.get("input"), f"{context}: input") if node.get("input") is not None else None,
        input_path=doc.resolved(node.get("input_path"), context) if node.get("input_path") is not None else None,
        input_transformer=doc.resolved(transformer, f"{context}: input_transformer") if transformer else None,
        dead_letter_arn=str(doc.resolved(dead_letter["arn"], context)) if dead_letter.get("arn") else None,
        max_retries=optional_int(doc.resolved(retry.get("maximum_retry_attempts"), context)),
        max_event_age=optional_int(doc.resolved(retry.get("maximum_event_age_in_seconds"), context)),
    )


def subscription(doc: Document, node: Node, targets: Targets) -> Subscription:
    context = f"{node.ref} ({node.path})"
    protocol = str(doc.resolved(node.get("protocol", ""), f"{context}: protocol"))
    endpoint = targets.target(node.get("endpoint", ""), f"{context}: endpoint")
    if protocol not in ("lambda", "sqs", "firehose"):
        endpoint = Target(endpoint.arn, endpoint.label, protocol)
    raw = doc.resolved(node.get("raw_message_delivery", False), context)
    filter_policy = node.get("filter_policy")
    return Subscription(
        ref=node.ref,
        topic_arn=str(doc.resolved(node.get("topic_arn", ""), f"{context}: topic_arn")),
        protocol=protocol,
        endpoint=endpoint,
        raw_message_delivery=raw is True or raw == "true",
        filter_policy=doc.json_argument(filter_policy, RESOLVED, context) if filter_policy else None,
        filter_scope=str(doc.resolved(node.get("filter_policy_scope") or "MessageAttributes", context)),
    )


def customer_key(doc: Document, node: Node) -> str | None:
    """The ARN of the customer-managed KMS key a queue or topic is encrypted with, if any."""
    if not node.get("kms_master_key_id"):
        return None
    key = str(doc.resolved(node.get("kms_master_key_id"), f"{node.ref} ({node.path}): kms_master_key_id"))
    if key in ("alias/aws/sqs", "alias/aws/sns"):
        return None  # AWS-managed keys: Lambda's delivery needs no grant on them
    if not key.startswith("arn:"):
        key_resource = key if key.startswith("alias/") else f"key/{key}"
        key = f"arn:{doc.partition}:kms:{doc.region}:{doc.account}:{key_resource}"
    return key


def queue(doc: Document, node: Node) -> Queue:
    context = f"{node.ref} ({node.path})"
    url = str(doc.attribute(node, "url"))
    policy: list[Statement] = []
    if node.get("policy"):
        policy += iam_policy(doc, node.get("policy"), f"{context}: policy")
    for resource in doc.resources("aws_sqs_queue_policy"):
        if doc.resolved(resource.get("queue_url"), str(resource.ref)) == url:
            policy += iam_policy(doc, resource.get("policy"), f"{resource.ref} ({resource.path}): policy")
    redrive_written = node.get("redrive_policy")
    for resource in doc.resources("aws_sqs_queue_redrive_policy"):
        if doc.resolved(resource.get("queue_url"), str(resource.ref)) == url:
            redrive_written = resource.get("redrive_policy")
    redrive = None
    if redrive_written:
        parsed = doc.json_argument(redrive_written, RESOLVED, f"{context}: redrive_policy")
        if isinstance(parsed, dict) and parsed.get("deadLetterTargetArn"):
            count = optional_int(parsed.get("maxReceiveCount"))
            redrive = Redrive(str(parsed["deadLetterTargetArn"]), count if count is not None else 1)
    fifo = doc.resolved(node.get("fifo_queue", False), context)
    return Queue(
        ref=node.ref,
        name=str(doc.attribute(node, "name")),
        arn=str(doc.attribute(node, "arn")),
        url=url,
        fifo=fifo is True or fifo == "true",
        visibility_timeout=doc.integer(node, "visibility_timeout_seconds", 30) or 0,
        retention_seconds=doc.integer(node, "message_retention_seconds", 345600) or 345600,
        delay_seconds=doc.integer(node, "delay_seconds", 0) or 0,
        redrive=redrive,
        customer_key=customer_key(doc, node),
        policy=tuple(policy),
    )


def topic(doc: Document, node: Node) -> Topic:
    context = f"{node.ref} ({node.path})"
    arn = str(doc.attribute(node, "arn"))
    policy: list[Statement] = []
    for resource in doc.resources("aws_sns_topic_policy"):
        if doc.resolved(resource.get("arn"), str(resource.ref)) == arn:
            policy += iam_policy(doc, resource.get("policy"), f"{resource.ref} ({resource.path}): policy")
    if node.get("policy"):
        policy += iam_policy(doc, node.get("policy"), f"{context}: policy")
    fifo = doc.resolved(node.get("fifo_topic", False), context)
    return Topic(
        ref=node.ref,
        name=str(doc.attribute(node, "name")),
        arn=arn,
        fifo=fifo is True or fifo == "true",
        customer_key=customer_key(doc, node),
        policy=tuple(policy),
    )


def table(doc: Document, node: Node) -> Table:
    context = f"{node.ref} ({node.path})"
    attributes = tuple(
        (str(doc.resolved(a.get("name"), context)), str(doc.resolved(a.get("type"), context)))
        for a in as_list(node.get("attribute"))
        if isinstance(a, dict)
    )
    range_key = node.get("range_key")
    return Table(
        ref=node.ref,
        name=str(doc.attribute(node, "name")),
        arn=str(doc.attribute(node, "arn")),
        hash_key=str(doc.resolved(node.get("hash_key"), context)),
        range_key=str(doc.resolved(range_key, context)) if range_key else None,
        attributes=attributes,
    )
