"""Store failure records in an S3 bucket: one of this stack, or an existing one by ARN.

AWS accepts buckets as on-failure destinations only; used for on-success it is refused at synth.
Grants what AWS documents as the minimum: ``s3:PutObject`` on ``<bucket ARN>/*`` and
``s3:ListBucket`` on the bucket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from constructs import Construct

from components.arns import S3_BUCKET, require_arn
from components.destinations.base import Destination, DestinationKind
from components.errors import ConfigurationError
from components.iam import PolicyStatement

if TYPE_CHECKING:
    from components.function import Function


class S3Destination(Destination):
    def __init__(self, bucket: S3Bucket | str) -> None:
        """``bucket``: an ``S3Bucket`` of this stack, or the ARN of an existing bucket (literal or reference)."""
        self.bucket_arn = (
            bucket.arn if isinstance(bucket, S3Bucket) else require_arn(bucket, S3_BUCKET, "S3Destination(bucket)")
        )

    def validate(self, kind: DestinationKind) -> None:
        if kind is DestinationKind.SUCCESS:
            raise ConfigurationError(
                "on_success cannot be an S3Destination: S3 buckets take failure records only; "
                "use it for on_failure, and a queue, topic, bus or function for on_success"
            )

    def bind(self, scope: Construct, fn: Function, kind: DestinationKind, *, qualifier: str) -> str:
        fn.add_to_role_policy(PolicyStatement(actions=("s3:PutObject",), resources=(f"{self.bucket_arn}/*",)))
        fn.add_to_role_policy(PolicyStatement(actions=("s3:ListBucket",), resources=(self.bucket_arn,)))
        return self.bucket_arn
