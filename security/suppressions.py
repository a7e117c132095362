"""checkov findings accepted for the synthesized stacks, each with its one-line reason.

Keyed by (check id, Terraform resource type). tests/security/test_checkov.py fails on any failed
check not listed here, and on any entry here that no longer fails (so the list cannot go stale).
"""

SUPPRESSIONS = {
    ("CKV_AWS_50", "aws_lambda_function"): "X-Ray is opt-in (Function(tracing=True)): it needs a '*' resource grant",
    (
        "CKV_AWS_115",
        "aws_lambda_function",
    ): "reserved concurrency would fail on new accounts whose unreserved pool is 10",
    ("CKV_AWS_116", "aws_lambda_function"): "async failures go to on-failure destinations, the successor of DLQs",
    (
        "CKV_AWS_117",
        "aws_lambda_function",
    ): "the functions reach only AWS APIs; a VPC would add NAT cost, no protection",
    ("CKV_AWS_173", "aws_lambda_function"): "environment holds only non-secret settings (MAX_CHAIN_DEPTH, JOBS_TABLE)",
    ("CKV_AWS_272", "aws_lambda_function"): "code signing needs a signing profile outside this example's scope",
    (
        "CKV_AWS_119",
        "aws_dynamodb_table",
    ): "encrypted at rest with an AWS-owned key; job counters need no CMK and its grants",
    (
        "CKV_AWS_158",
        "aws_cloudwatch_log_group",
    ): "logs are encrypted at rest by CloudWatch; a CMK adds cost, not secrecy here",
    (
        "CKV_AWS_338",
        "aws_cloudwatch_log_group",
    ): "example logs: 14-day retention by default, log_retention_days to change",
}
