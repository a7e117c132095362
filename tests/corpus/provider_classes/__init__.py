"""Stacks written with the AWS provider classes alone, the way cdktf's Python docs write them.

None of ``components/`` is used: policies are ``Fn.jsonencode`` objects with bare references, JSON
strings with interpolations, ``inline_policy`` blocks, ``aws_iam_policy`` plus attachments and an
AWS-managed policy; code hashes are ``Fn.filebase64sha256`` expressions or cdktf asset hashes;
destinations are published versions and aliases by ``qualified_arn``. ``broken`` holds handlers
that cannot load; the ``*-archive`` stacks hold code Lambda refuses at deploy, ``archives-elsewhere``
code outside the stack's folder that Terraform finds; ``node`` holds
Node.js handlers of every kind (ES module, ``"type": "module"``, callback, one that times out,
one that invokes itself with the SDK v3 and writes to DynamoDB, a throw, a crash, missing code).
``async_world`` holds what AWS does beyond our own wiring: concurrency, dead-letter queues, limits,
queue consumers, loops through services, handlers' own sends. ``conformance`` mirrors the LocalStack
tests whose real-AWS recordings ``tests/conformance`` compares the local runtime with.

``build(app)`` adds them all to an app (``tests/corpus/make.py`` synthesizes it).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from cdktf import App, AssetType, Fn, TerraformAsset, TerraformStack
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole, IamRoleInlinePolicy
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure,
    LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_object import S3Object
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

HANDLERS = Path(__file__).resolve().parent / "handlers"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _stack(app: App, name: str) -> TerraformStack:
    stack = TerraformStack(app, name)
    AwsProvider(stack, "aws", region="eu-west-1")
    return stack


def _code(stack: TerraformStack, id: str, handler: str) -> TerraformAsset:
    return TerraformAsset(stack, id, path=str(HANDLERS / handler), type=AssetType.ARCHIVE)


def _role(stack: TerraformStack, id: str, inline: list[IamRoleInlinePolicy] | None = None) -> IamRole:
    return IamRole(
        stack, id, name=f"{stack.node.id}-{id}", assume_role_policy=Fn.jsonencode(TRUST), inline_policy=inline
    )


def _destinations(success: str | None, failure: str | None) -> LambdaFunctionEventInvokeConfigDestinationConfig:
    return LambdaFunctionEventInvokeConfigDestinationConfig(
        on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=success) if success else None,
        on_failure=LambdaFunctionEventInvokeConfigDestinationConfigOnFailure(destination=failure) if failure else None,
    )


def versions(app: App) -> None:
    """First's alias ``live`` sends successes to Second's version 1 (``qualified_arn``), failures to a queue."""
    stack = _stack(app, "versions")
    role = _role(stack, "FirstRole")
    second_role = _role(stack, "SecondRole")
    queue = SqsQueue(stack, "Failures", name="versions-failures")
    functions = []
    for id, handler, function_role in (("First", "summer", role), ("Second", "recorder", second_role)):
        code = _code(stack, f"{id}Code", handler)
        functions.append(
            LambdaFunction(
                stack,
                id,
                function_name=f"versions-{id.lower()}",
                role=function_role.arn,
                handler="index.handler",
                runtime="python3.12",
                filename=code.path,
                source_code_hash=Fn.filebase64sha256(code.path),
                publish=True,
            )
        )
    first, second = functions
    live = LambdaAlias(stack, "Live", name="live", function_name=first.function_name, function_version=first.version)
    IamRolePolicy(
        stack,
        "FirstPolicy",
        role=role.id,
        policy=Fn.jsonencode(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [second.qualified_arn]},
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.arn},
                ],
            }
        ),
    )
    LambdaFunctionEventInvokeConfig(
        stack,
        "LiveAsync",
        function_name=first.function_name,
        qualifier=live.name,
        maximum_retry_attempts=1,
        destination_config=_destinations(second.qualified_arn, queue.arn),
    )


def managed(app: App) -> None:
    """Successes to a queue through an ``aws_iam_policy`` attachment; failures to Second by an inline block."""
    stack = _stack(app, "managed")
    code = _code(stack, "Code", "summer")
    recorder = _code(stack, "RecorderCode", "recorder")
    results = SqsQueue(stack, "Results", name="managed-results")
    second_role = _role(stack, "SecondRole")
    second = LambdaFunction(
        stack,
        "Second",
        function_name="managed-second",
        role=second_role.arn,
        handler="index.handler",
        runtime="python3.12",
        filename=recorder.path,
        source_code_hash=recorder.asset_hash,
    )
    invoke_second = {"Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": second.arn}]}
    role = _role(stack, "FirstRole", [IamRoleInlinePolicy(name="invoke-second", policy=json.dumps(invoke_second))])
    send = IamPolicy(
        stack,
        "SendResults",
        name="managed-send-results",
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": results.arn}],
            }
        ),
    )
    IamRolePolicyAttachment(stack, "SendAttachment", role=role.name, policy_arn=send.arn)
    IamRolePolicyAttachment(stack, "BasicExecution", role=role.name, policy_arn=BASIC_EXECUTION)
    first = LambdaFunction(
        stack,
        "First",
        function_name="managed-first",
        role=role.arn,
        handler="index.handler",
        runtime="python3.12",
        filename=code.path,
        source_code_hash=code.asset_hash,
    )
    LambdaFunctionEventInvokeConfig(
        stack,
        "FirstAsync",
        function_name=first.function_name,
        maximum_retry_attempts=0,
        destination_config=_destinations(results.arn, second.arn),
    )


def broken(app: App) -> None:
    """Handlers that cannot load, each failing to one queue: retried (or not) and recorded as function errors."""
    stack = _stack(app, "broken")
    failures = SqsQueue(stack, "Failures", name="broken-failures")
    role = _role(stack, "Role")
    IamRolePolicy(
        stack,
        "Send",
        role=role.id,
        policy=Fn.jsonencode(
            {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": failures.arn}]}
        ),
    )
    summer, syntax, raises = (_code(stack, f"Code{n}", n) for n in ("summer", "syntax_error", "raises_on_import"))
    cases = {
        "MissingExport": (summer, "index.nothere", 0),
        "MissingModule": (summer, "nothere.handler", 0),
        "MalformedHandler": (summer, "index", 0),
        "SyntaxError": (syntax, "index.handler", 0),
        "RaisesOnImport": (raises, "index.handler", None),
    }
    for id, (code, handler, retries) in cases.items():
        function = LambdaFunction(
            stack,
            id,
            function_name=f"broken-{id}",
            role=role.arn,
            handler=handler,
            runtime="python3.12",
            filename=code.path,
            source_code_hash=Fn.filebase64sha256(code.path),
            environment=LambdaFunctionEnvironment(variables={"STAGE": "test"}),
        )
        LambdaFunctionEventInvokeConfig(
            stack,
            f"{id}Async",
            function_name=function.function_name,
            maximum_retry_attempts=retries,
            destination_config=_destinations(None, failures.arn),
        )


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    """A zip archive of ``entries`` (name: data), the same bytes on every synth."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return path


def bad_archives(app: App) -> None:
    """Code Lambda refuses at deploy: a file that is not a zip, none at all, a zip with an entry that
    leaves its folder."""
    escaping = _zip(Path(app.outdir) / "dist" / "escaping.zip", {"index.py": b"", "../evil.py": b""})
    for name, filename in (
        ("not-a-zip-archive", None),
        ("missing-archive", "assets/gone/archive.zip"),
        ("escaping-archive", str(escaping)),
    ):
        stack = _stack(app, name)
        role = _role(stack, "Role")
        if filename is None:
            notes = TerraformAsset(stack, "Notes", path=str(HANDLERS / "summer" / "index.py"), type=AssetType.FILE)
            filename = notes.path
        LambdaFunction(
            stack,
            "First",
            function_name=f"{name}-first",
            role=role.arn,
            handler="index.handler",
            runtime="python3.12",
            filename=filename,
        )


def archives_elsewhere(app: App) -> None:
    """Code outside the stack's folder, where Terraform finds it: a relative path out of it (a build
    step's ``dist/``), an absolute path, and an ``aws_s3_object``'s ``source`` named by ``s3_bucket``
    and ``s3_key``."""
    archive = _zip(
        Path(app.outdir) / "dist" / "summer.zip", {"index.py": (HANDLERS / "summer" / "index.py").read_bytes()}
    )
    stack = _stack(app, "archives-elsewhere")
    relative = os.path.relpath(archive, Path(app.outdir) / "stacks" / "archives-elsewhere")  # ../../dist/summer.zip
    bucket = S3Bucket(stack, "Code", bucket="archives-elsewhere-code")
    uploaded = S3Object(stack, "Uploaded", bucket=bucket.id, key="summer.zip", source=relative)
    role = _role(stack, "Role")
    where: dict[str, dict[str, str]] = {
        "Relative": {"filename": relative},
        "Absolute": {"filename": str(archive)},
        "FromS3": {"s3_bucket": uploaded.bucket, "s3_key": uploaded.key},
    }
    for id, code in where.items():
        LambdaFunction(
            stack,
            id,
            function_name=f"archives-elsewhere-{id}",
            role=role.arn,
            handler="index.handler",
            runtime="python3.12",
            **code,  # type: ignore[arg-type]
        )


def node(app: App) -> None:
    """Node.js handlers, each failing (if it fails) to one queue with retries 0, except where said."""
    stack = _stack(app, "node")
    failures = SqsQueue(stack, "Failures", name="node-failures")
    table = DynamodbTable(
        stack,
        "Hops",
        name="node-hops",
        billing_mode="PAY_PER_REQUEST",
        hash_key="chain",
        range_key="hop",
        attribute=[DynamodbTableAttribute(name="chain", type="S"), DynamodbTableAttribute(name="hop", type="N")],
    )
    role = _role(stack, "Role")
    cases: dict[str, tuple[str, str, dict[str, object]]] = {
        "EsModule": ("node_esm", "index.handler", {}),
        "Thrower": ("node_esm", "index.thrower", {}),
        "MissingExport": ("node_esm", "index.nothere", {}),
        "MissingModule": ("node_esm", "nothere.handler", {}),
        "TypeModule": ("node_type_module", "app.handler", {}),
        "Callback": ("node_callback", "index.handler", {}),
        "Sleeper": ("node_sleeper", "index.handler", {"timeout": 1}),
        "Slow": ("node_esm", "index.slow", {"timeout": 1}),
        "SlowInit": ("node_slow_init", "index.handler", {"timeout": 1}),
        "Crasher": ("node_crasher", "index.handler", {"retries": None}),
        "SelfInvoker": ("node_self_invoker", "index.handler", {"environment": {"TABLE_NAME": table.name}}),
    }
    codes = {
        folder: _code(stack, f"Code-{folder}", folder) for folder in dict.fromkeys(f for f, _, _ in cases.values())
    }
    functions = {}
    for id, (folder, handler, options) in cases.items():
        environment = options.get("environment")
        functions[id] = LambdaFunction(
            stack,
            id,
            function_name=f"node-{id}",
            role=role.arn,
            handler=handler,
            runtime="nodejs20.x",
            timeout=options.get("timeout", 3),  # type: ignore[arg-type]
            filename=codes[folder].path,
            source_code_hash=codes[folder].asset_hash,
            environment=LambdaFunctionEnvironment(variables=environment) if environment else None,  # type: ignore[arg-type]
        )
        LambdaFunctionEventInvokeConfig(
            stack,
            f"{id}Async",
            function_name=functions[id].function_name,
            maximum_retry_attempts=options.get("retries", 0),  # type: ignore[arg-type]
            destination_config=_destinations(None, failures.arn),
        )
    IamRolePolicy(
        stack,
        "Grants",
        role=role.id,
        policy=Fn.jsonencode(
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": failures.arn},
                    {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table.arn},
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": functions["SelfInvoker"].arn},
                ]
            }
        ),
    )


def build(app: App) -> None:
    from tests.corpus.provider_classes import async_world, conformance, http_apis  # on HANDLERS and TRUST

    versions(app)
    managed(app)
    broken(app)
    bad_archives(app)
    archives_elsewhere(app)
    node(app)
    async_world.build(app)
    http_apis.build(app)
    conformance.build(app)
