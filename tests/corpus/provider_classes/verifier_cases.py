"""Stacks the verifier's rules are tested on, written with the provider classes alone, each broken on purpose.

- ``code-hops``: functions whose environment names a queue, a topic, a table, a bucket, an event bus,
  a function, an alias and a KMS key (which no rule covers). ``Writer``'s role allows one action its
  code plausibly needs on each (an unusual one where several would do: ``dynamodb:Query``,
  ``s3:GetObject`` under a prefix), ``Stranger``'s role nothing, ``Peeker``'s only
  ``sqs:GetQueueAttributes`` on the queue, ``Forbidden``'s an item action on the table that a Deny
  statement takes back, ``Outsider``'s ``sqs:SendMessage`` on every resource but the topic
  (``NotResource``);
- ``runtimes``: a function on each kind of runtime: supported (``python3.12``), deprecated and still
  created by Lambda (``nodejs20.x``), no longer created (``python2.7``), unknown (``python3.99``),
  none on a .zip archive, and a container image (whose runtime is its own).

``build(app)`` adds them to an app.
"""

from __future__ import annotations

from typing import Any

from cdktf import App, Fn, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_event_bus import CloudwatchEventBus
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

from tests.corpus.provider_classes import TRUST
from tests.corpus.provider_classes.async_world import _Stack


def _role(stack: TerraformStack, id: str, statements: list[dict[str, Any]]) -> IamRole:
    """A role of its own, with ``statements`` as its one inline policy (none if empty)."""
    role = IamRole(stack, id, name=f"{stack.node.id}-{id}", assume_role_policy=Fn.jsonencode(TRUST))
    if statements:
        IamRolePolicy(stack, f"{id}Policy", role=role.id, policy=Fn.jsonencode({"Statement": statements}))
    return role


def _allow(actions: str | list[str], resource: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": actions, "Resource": resource}


def code_hops(app: App) -> None:
    s = _Stack(app, "code-hops")
    queue = s.queue("Jobs")
    topic = SnsTopic(s.stack, "Alerts", name="code-hops-Alerts")
    table = DynamodbTable(
        s.stack,
        "Items",
        name="code-hops-items",
        billing_mode="PAY_PER_REQUEST",
        hash_key="id",
        attribute=[DynamodbTableAttribute(name="id", type="S")],
    )
    bucket = S3Bucket(s.stack, "Store", bucket="code-hops-store")
    bus = CloudwatchEventBus(s.stack, "Bus", name="code-hops-bus")
    key = KmsKey(s.stack, "Key", description="code-hops")
    target = s.function("Target", role=_role(s.stack, "TargetRole", []))
    live = LambdaAlias(s.stack, "Live", name="live", function_name=target.function_name, function_version="$LATEST")
    variables = {
        "QUEUE_URL": queue.url,
        "TOPIC_ARN": topic.arn,
        "TABLE_NAME": table.name,
        "BUCKET": bucket.bucket,
        "BUS": bus.name,
        "TARGET": target.function_name,
        "TARGET_LIVE": live.arn,
        "KEY_ID": key.key_id,
    }
    environment = LambdaFunctionEnvironment(variables=variables)
    s.grant("sqs:SendMessage", queue.arn)
    s.grant("sns:Publish", topic.arn)
    s.grant("dynamodb:Query", table.arn)
    s.grant("s3:GetObject", f"{bucket.arn}/in/*")
    s.grant("events:PutEvents", bus.arn)
    s.grant("lambda:InvokeFunction", target.arn)
    s.grant("lambda:InvokeFunction", live.arn)
    s.grant("kms:Decrypt", key.arn)
    s.function("Writer", environment=environment)
    s.function("Stranger", role=_role(s.stack, "StrangerRole", []), environment=environment)
    peeker = _role(s.stack, "PeekerRole", [_allow("sqs:GetQueueAttributes", queue.arn)])
    s.function("Peeker", role=peeker, environment=LambdaFunctionEnvironment(variables={"QUEUE_URL": queue.url}))
    forbidden = _role(
        s.stack,
        "ForbiddenRole",
        [_allow("dynamodb:GetItem", table.arn), _allow("dynamodb:GetItem", table.arn, effect="Deny")],
    )
    s.function("Forbidden", role=forbidden, environment=LambdaFunctionEnvironment(variables={"TABLE": table.name}))
    everything_but = _role(
        s.stack, "EverythingButRole", [{"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": topic.arn}]
    )
    s.function("Outsider", role=everything_but, environment=LambdaFunctionEnvironment(variables={"QUEUE": queue.url}))
    s.done()


def runtimes(app: App) -> None:
    s = _Stack(app, "runtimes")
    s.function("Current")
    for id, runtime in (("Aging", "nodejs20.x"), ("Ancient", "python2.7"), ("Invented", "python3.99")):
        s.function(id).add_override("runtime", runtime)
    s.function("Unnamed").add_override("runtime", None)
    LambdaFunction(
        s.stack,
        "Container",
        function_name="runtimes-Container",
        role=s.role.arn,
        package_type="Image",
        image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
    )
    s.done()


def build(app: App) -> None:
    code_hops(app)
    runtimes(app)
