"""ARNs of existing resources given to destinations: checked at synth, before anything is added.

A literal ARN must have the shape of its service (``arn:<partition>:sqs:<region>:<account>:<name>``
and so on); a Terraform reference (a data source's ``arn``) cannot be checked before deploy and is
taken as given. KMS key references are turned into the key ARN IAM needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from constructs import Construct

from components.errors import ConfigurationError

_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$")
_KEY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$")


@dataclass(frozen=True)
class ArnShape:
    service: str
    what: str  # "a Lambda function", "an SQS queue", ...
    resource: re.Pattern[str]
    example: str
    regional: bool = True


LAMBDA_FUNCTION = ArnShape(
    "lambda",
    "a Lambda function",
    re.compile(r"^function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$"),
    "arn:aws:lambda:us-east-1:123456789012:function:my-function",
)
SQS_QUEUE = ArnShape(
    "sqs", "an SQS queue", re.compile(r"^[A-Za-z0-9_-]{1,80}(\.fifo)?$"), "arn:aws:sqs:us-east-1:123456789012:my-queue"
)
SNS_TOPIC = ArnShape(
    "sns", "an SNS topic", re.compile(r"^[A-Za-z0-9_-]{1,256}(\.fifo)?$"), "arn:aws:sns:us-east-1:123456789012:my-topic"
)
EVENT_BUS = ArnShape(
    "events",
    "an EventBridge event bus",
    re.compile(r"^event-bus/[A-Za-z0-9._/-]{1,256}$"),
    "arn:aws:events:us-east-1:123456789012:event-bus/my-bus",
)
S3_BUCKET = ArnShape(
    "s3", "an S3 bucket", re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"), "arn:aws:s3:::my-bucket", regional=False
)


def is_reference(value: str) -> bool:
    """Whether ``value`` is a Terraform reference (a token) rather than a literal."""
    return bool(Token.is_unresolved(value))


def require_arn(value: object, shape: ArnShape, parameter: str) -> str:
    """``value`` if it is a reference or a literal ARN of ``shape``; ConfigurationError otherwise."""
    if not isinstance(value, str) or not value:
        raise ConfigurationError(
            f"{parameter} must be {shape.what} construct or ARN like {shape.example}; got {value!r}"
        )
    if is_reference(value):
        return value
    match = _ARN.match(value)
    if match is None:
        raise ConfigurationError(
            f"{parameter} must be {shape.what} ARN like {shape.example}; got {value!r}, which is not an ARN"
        )
    service, region, account, resource = match.group(2), match.group(3), match.group(4), match.group(5)
    if service != shape.service:
        raise ConfigurationError(
            f"{parameter} must be {shape.what} ARN (service {shape.service!r}) like {shape.example}; "
            f"got {value!r}, an ARN of service {service!r}"
        )
    scoped = bool(region) and bool(account)
    if scoped != shape.regional or not shape.resource.match(resource):
        raise ConfigurationError(f"{parameter} must be {shape.what} ARN like {shape.example}; got {value!r}")
    return value


def customer_key_arn(
    scope: Construct, key: str | None, parameter: str, aws_managed_alias: str, actions: tuple[str, ...]
) -> str | None:
    """The ARN of the customer-managed KMS key ``key`` (a ``kms_master_key_id``), or None if there is none.

    Accepted: a key ARN or a reference to one (``KmsKey.arn``), a literal key id, and the AWS-managed
    alias (``alias/aws/sqs``, ``alias/aws/sns``), which needs no grant. A customer alias is refused: IAM
    authorizes KMS on the key's ARN, which an alias does not tell at synth; the message names the
    ``actions`` Lambda needs on it.
    """
    if not key or key == aws_managed_alias:
        return None
    if is_reference(key) or key.startswith("arn:"):
        return key
    if _KEY_ID.match(key):
        from components.aws_context import AwsContext

        context = AwsContext.of(scope)
        return f"arn:{context.partition}:kms:{context.region}:{context.account_id}:key/{key}"
    raise ConfigurationError(
        f"{parameter} is encrypted with the KMS alias {key!r}; Lambda needs {' and '.join(actions)} granted on "
        "the key itself: set kms_master_key_id to the key's ARN (KmsKey.arn) or id"
    )
