"""A cdktf app of one stack with N First/Second pairs, for the synth benchmark's scale series.

    python benchmarks/pairs_app.py ROOT PAIRS [--provider-classes]

Pair i: First<i> and Second<i> (``functions/first`` and ``functions/second``), First's successful
results to Second: a ``FunctionDestination`` for even i, a response-only one (EventBridge rule)
for odd i. Built from the ``components`` and ``stacks`` of the checkout at ROOT, or, with
``--provider-classes``, as the same resources and data sources written with the AWS provider's
classes directly: the least a cdktf app can ask of the jsii kernel for this JSON, which the
benchmark checks is byte-identical to the components' (a floor for the cost per pair).

Writes to ``$CDKTF_OUTDIR``; prints ``KERNEL_MESSAGES=<requests sent to the jsii kernel>`` and
``SELF_MAXRSS_KB=<peak RSS of this process>`` on stderr.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

STACK = "pairs"


@contextlib.contextmanager
def counted_kernel_messages() -> Iterator[list[int]]:
    """Count every request the jsii runtime sends to the kernel inside the block (in the yielded cell)."""
    import jsii._kernel.providers.process as process

    count = [0]
    send = process._NodeProcess.send

    def counting_send(self: Any, request: Any, response_type: Any) -> Any:
        count[0] += 1
        return send(self, request, response_type)

    process._NodeProcess.send = counting_send  # type: ignore[method-assign]
    try:
        yield count
    finally:
        process._NodeProcess.send = send  # type: ignore[method-assign]


def written_files(
    root: Path, pairs: int, *flags: str, outdir: Path, env: Mapping[str, str] | None = None
) -> dict[Path, bytes]:
    """Run this app (in a process of its own) into ``outdir``; every file it wrote, by relative path."""
    environment = {**os.environ, **(env or {}), "CDKTF_OUTDIR": str(outdir)}
    environment.pop("NODE_OPTIONS", None)
    result = subprocess.run(
        [sys.executable, __file__, str(root), str(pairs), *flags],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{Path(__file__).name} {pairs} {' '.join(flags)} failed:\n{result.stderr}")
    return {path.relative_to(outdir): path.read_bytes() for path in sorted(outdir.rglob("*")) if path.is_file()}


def with_components(stack: Any, pairs: int) -> None:
    from components import Function, FunctionDestination
    from stacks.base import FUNCTIONS_DIR

    for i in range(pairs):
        first = Function(stack, f"First{i}", code=FUNCTIONS_DIR / "first")
        second = Function(stack, f"Second{i}", code=FUNCTIONS_DIR / "second")
        first.configure_async_invoke(on_success=FunctionDestination(second, response_only=i % 2 == 1))


def with_provider_classes(stack: Any, pairs: int, name_prefix: str) -> None:
    from cdktf import AssetType, Fn, TerraformAsset
    from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
    from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
    from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
    from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
        DataAwsIamPolicyDocument,
        DataAwsIamPolicyDocumentStatement,
        DataAwsIamPolicyDocumentStatementPrincipals,
    )
    from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
    from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
    from cdktf_cdktf_provider_aws.iam_role import IamRole
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
    from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
    from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
        LambdaFunctionEventInvokeConfig,
        LambdaFunctionEventInvokeConfigDestinationConfig,
        LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
    )
    from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
    from constructs import Construct

    from components.code_asset import build_archive
    from stacks.base import FUNCTIONS_DIR

    def allow(actions: list[str], resources: list[str]) -> DataAwsIamPolicyDocumentStatement:
        return DataAwsIamPolicyDocumentStatement(effect="Allow", actions=actions, resources=resources)

    archives = {code: build_archive(FUNCTIONS_DIR / code) for code in ("first", "second")}
    trust = [
        DataAwsIamPolicyDocumentStatement(
            effect="Allow",
            actions=["sts:AssumeRole"],
            principals=[
                DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=["lambda.amazonaws.com"])
            ],
        )
    ]

    def function(id: str, code: str) -> dict[str, Any]:
        scope = Construct(stack, id)
        name = f"{name_prefix}-{id}"
        archive = archives[code]
        asset = TerraformAsset(
            scope, "Code", path=str(archive.path), type=AssetType.FILE, asset_hash=archive.content_hash
        )
        log_group = CloudwatchLogGroup(scope, "LogGroup", name=f"/aws/lambda/{name}", retention_in_days=14)
        assume = DataAwsIamPolicyDocument(Construct(scope, "AssumeRolePolicy"), "Resource", statement=trust)
        role = IamRole(scope, "ServiceRole", name=f"{name}-role", assume_role_policy=assume.json)
        logs = allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group.arn}:*"])
        policy = DataAwsIamPolicyDocument(Construct(scope, "DefaultPolicyDocument"), "Resource", statement=[logs])
        role_policy = IamRolePolicy(scope, "DefaultPolicy", name="default", role=role.id, policy=policy.json)
        resource = LambdaFunction(
            scope,
            "Resource",
            function_name=name,
            role=role.arn,
            handler="index.handler",
            runtime="python3.12",
            timeout=30,
            memory_size=128,
            filename=asset.path,
            source_code_hash=archive.source_code_hash,
            depends_on=[log_group],
        )
        return {
            "scope": scope,
            "name": name,
            "resource": resource,
            "policy": policy,
            "logs": logs,
            "role_policy": role_policy,
        }

    default_bus = None
    for i in range(pairs):
        first, second = function(f"First{i}", "first"), function(f"Second{i}", "second")
        second_arn = second["resource"].arn
        config = Construct(first["scope"], "EventInvokeConfig")
        first_function_name = first["resource"].function_name
        if i % 2 == 0:
            first["policy"].put_statement(
                [first["logs"], allow(["lambda:InvokeFunction"], [second_arn, f"{second_arn}:*"])]
            )
            destination = second_arn
        else:
            scope = Construct(config, "Success")
            rule = CloudwatchEventRule(
                scope,
                "Rule",
                name=f"{first['name']}-success",
                description=f"Success results of {first['name']} ($LATEST) to {second['name']}",
                event_pattern=Fn.jsonencode(
                    {
                        "source": ["lambda", "aws.lambda"],
                        "detail-type": ["Lambda Function Invocation Result - Success"],
                        "resources": [f"{first['resource'].arn}:$LATEST"],
                    }
                ),
            )
            CloudwatchEventTarget(
                scope,
                "Target",
                rule=rule.name,
                target_id="Target0",
                arn=second_arn,
                input_path="$.detail.responsePayload",
            )
            LambdaPermission(
                scope,
                "InvokePermission",
                statement_id=f"{first['name']}-success-invoke",
                action="lambda:InvokeFunction",
                function_name=second_arn,
                principal="events.amazonaws.com",
                source_arn=rule.arn,
            )
            if default_bus is None:
                Construct(stack, "AwsContext")
                partition = DataAwsPartition(stack, "Partition").partition
                region = DataAwsRegion(stack, "Region").name
                account = DataAwsCallerIdentity(stack, "CallerIdentity").account_id
                default_bus = f"arn:{partition}:events:{region}:{account}:event-bus/default"
            first["policy"].put_statement([first["logs"], allow(["events:PutEvents"], [default_bus])])
            destination = default_bus
        LambdaFunctionEventInvokeConfig(
            config,
            "Resource",
            function_name=first_function_name,
            qualifier="$LATEST",
            destination_config=LambdaFunctionEventInvokeConfigDestinationConfig(
                on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=destination)
            ),
            depends_on=[first["role_policy"]],
        )


def main() -> None:
    root, pairs, provider_classes = sys.argv[1], int(sys.argv[2]), "--provider-classes" in sys.argv[3:]
    sys.path.insert(0, root)
    import components  # noqa: F401 - first: the kernel starts with lazy provider imports

    # isort: split
    from cdktf import App

    from stacks.base import AppStack
    from stacks.settings import Settings

    with counted_kernel_messages() as messages:
        settings = Settings.from_environment()
        app = App()
        stack = AppStack(app, STACK, settings=settings)
        if provider_classes:
            with_provider_classes(stack, pairs, f"{settings.resource_prefix}-{STACK}")
        else:
            with_components(stack, pairs)
        app.synth()
    sys.stderr.write(f"KERNEL_MESSAGES={messages[0]}\n")
    sys.stderr.write(f"SELF_MAXRSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n")


if __name__ == "__main__":
    main()
