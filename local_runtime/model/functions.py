"""Lambda: functions (code, role, environment, concurrency, dead-letter target, recursion config),
aliases, event invoke configs, permissions and event source mappings, as the file writes them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_runtime.arns import kind_of
from local_runtime.limits import DEFAULT_MAX_EVENT_AGE_S, DEFAULT_MEMORY_MB, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S
from local_runtime.model import hcl
from local_runtime.model.document import RESOLVED, Document, Node, as_list, optional_int
from local_runtime.model.records import (
    LATEST,
    Alias,
    Code,
    EventSourceMapping,
    Function,
    InvokeConfig,
    Permission,
    Role,
    Target,
)
from local_runtime.model.targets import FunctionName, Targets, function_at


def functions(doc: Document, roles: dict[str, Role], targets: Targets) -> dict[str, Function]:
    """Every ``aws_lambda_function``, by construct path."""
    found = (function(doc, node, roles, targets) for node in doc.resources("aws_lambda_function"))
    return {f.path: f for f in found}


def function(doc: Document, node: Node, roles: dict[str, Role], targets: Targets) -> Function:
    context = f"{node.ref} ({node.path})"
    role_node = doc.referenced(node.get("role"))
    role = roles.get(role_node.logical_id) if role_node is not None and role_node.type == "aws_iam_role" else None
    if role is None and node.get("role") is not None:
        arn = doc.resolved(node.get("role"), f"{context}: role")
        role = next((r for r in roles.values() if r.arn == arn), None)
    environment_block = (as_list(node.get("environment")) or [{}])[0]
    variables = environment_block.get("variables") if isinstance(environment_block, dict) else None
    variables = variables if isinstance(variables, dict) else {}
    environment = {k: hcl.render(doc.resolved(v, f"{context}: environment.{k}")) for k, v in variables.items()}
    references = []
    for variable, value in variables.items():
        target = doc.referenced(value)
        arn = doc.arn_of(target) if target is not None else None
        if target is not None and arn is not None and not arn.startswith("<"):
            references.append((variable, target.ref, arn, doc.labelled(target.ref.reference("arn"))))
    reserved = doc.integer(node, "reserved_concurrent_executions", -1)
    recursion = "Terminate"
    for config in doc.resources("aws_lambda_function_recursion_config"):
        if doc.names_node(config.get("function_name"), node, "function_name", "arn"):
            recursion = str(doc.resolved(config.get("recursive_loop", "Terminate"), str(config.ref)))
    version = str(doc.attribute(node, "version"))
    architectures = tuple(str(a) for a in as_list(doc.resolved(node.get("architectures"), context))) or ("x86_64",)
    return Function(
        ref=node.ref,
        name=str(doc.attribute(node, "function_name")),
        arn=str(doc.attribute(node, "arn")),
        runtime=str(doc.resolved(node.get("runtime", ""), f"{context}: runtime")),
        handler=str(doc.resolved(node.get("handler", "index.handler"), f"{context}: handler")),
        timeout=doc.integer(node, "timeout", DEFAULT_TIMEOUT_S) or DEFAULT_TIMEOUT_S,
        memory_size=doc.integer(node, "memory_size", DEFAULT_MEMORY_MB) or DEFAULT_MEMORY_MB,
        environment=environment,
        code=code(doc, node),
        role=role,
        role_label=doc.labelled(node.get("role")) if node.get("role") is not None else "(none)",
        publish=version != LATEST,
        version=version,
        reserved_concurrency=None if reserved is None or reserved < 0 else reserved,
        dead_letter=dead_letter(doc, node, targets),
        recursive_loop=recursion,
        environment_references=tuple(references),
        architectures=architectures,
    )


def dead_letter(doc: Document, node: Node, targets: Targets) -> Target | None:
    """The function's dead-letter queue or topic, and what sending there needs."""
    block = (as_list(node.get("dead_letter_config")) or [{}])[0]
    if not isinstance(block, dict) or not block.get("target_arn"):
        return None
    return targets.target(block["target_arn"], f"{node.ref} ({node.path}): dead_letter_config.target_arn", deliver=True)


def code(doc: Document, node: Node) -> Code:
    """Where the function's code is, found where Terraform finds it: ``filename`` relative to the
    stack's folder (Terraform's working directory) or absolute; ``s3_bucket``/``s3_key`` naming an
    ``aws_s3_object`` of the stack, whose ``source`` is then the archive."""
    context = f"{node.ref} ({node.path})"
    hash_ = (
        doc.resolved(node.get("source_code_hash"), f"{context}: source_code_hash")
        if node.get("source_code_hash")
        else None
    )
    if node.get("image_uri") or node.get("package_type") == "Image":
        uri = doc.resolved(node.get("image_uri"), f"{context}: image_uri")
        return Code("Image", None, None, str(uri), None, hash_)
    if node.get("s3_bucket"):
        bucket = doc.resolved(node.get("s3_bucket"), f"{context}: s3_bucket")
        key = doc.resolved(node.get("s3_key"), f"{context}: s3_key")
        source = uploaded_source(doc, bucket, key)
        if source is None:
            return Code("Zip", None, None, f"s3://{bucket}/{key}", None, hash_)
        return Code("Zip", source, _local_path(doc, source), None, None, hash_)
    filename = node.get("filename")
    if filename is None:
        return Code("Zip", None, None, None, "it names no code (no filename, s3_bucket or image_uri)", hash_)
    written = str(doc.resolved(filename, f"{context}: filename"))
    return Code("Zip", written, _local_path(doc, written), None, None, hash_)


def uploaded_source(doc: Document, bucket: Any, key: Any) -> str | None:
    """The local file an ``aws_s3_object`` (or the older ``aws_s3_bucket_object``) of the stack uploads
    to ``bucket``/``key``, as written; None if no object of the stack has a ``source`` there."""
    for type_ in ("aws_s3_object", "aws_s3_bucket_object"):
        for obj in doc.resources(type_):
            context = f"{obj.ref} ({obj.path})"
            where = (doc.resolved(obj.get("bucket"), f"{context}: bucket"), doc.resolved(obj.get("key"), context))
            if where == (bucket, key) and obj.get("source"):
                return str(doc.resolved(obj.get("source"), f"{context}: source"))
    return None


def _local_path(doc: Document, written: str) -> Path | None:
    """A path as Terraform reads it: absolute as given, else from the stack's folder (None when the
    document was read without one and the path is relative)."""
    if Path(written).is_absolute():
        return Path(written)
    return (doc.directory / written).resolve() if doc.directory is not None else None


def aliases(doc: Document, names: Mapping[str, FunctionName]) -> dict[str, Alias]:
    aliases = {}
    for node in doc.resources("aws_lambda_alias"):
        function, _ = function_at(names, doc.resolved(node.get("function_name"), f"{node.ref}: function_name"))
        if function is None:
            doc.problem(f"{node.ref} ({node.path}): the alias names a function that is not in the file")
            continue
        arn = str(doc.attribute(node, "arn"))
        version = str(doc.resolved(node.get("function_version", LATEST), f"{node.ref}: function_version"))
        aliases[arn] = Alias(node.ref, str(doc.attribute(node, "name")), arn, function.path, version)
    return aliases


def invoke_configs(doc: Document, targets: Targets) -> tuple[InvokeConfig, ...]:
    found = (invoke_config(doc, n, targets) for n in doc.resources("aws_lambda_function_event_invoke_config"))
    return tuple(c for c in found if c)


def invoke_config(doc: Document, node: Node, targets: Targets) -> InvokeConfig | None:
    context = f"{node.ref} ({node.path})"
    function, qualifier = targets.function_at(doc.resolved(node.get("function_name"), f"{context}: function_name"))
    if function is None:
        doc.problem(f"{context}: the event invoke config names a function that is not in the file")
        return None
    destinations = (as_list(node.get("destination_config")) or [{}])[0]
    outcomes: dict[str, Target | None] = {}
    for outcome in ("on_success", "on_failure"):
        block = (as_list(destinations.get(outcome)) or [{}])[0] if isinstance(destinations, dict) else {}
        written = block.get("destination") if isinstance(block, dict) else None
        outcomes[outcome] = targets.target(written, f"{context}: {outcome}", deliver=True) if written else None
    retries = doc.integer(node, "maximum_retry_attempts", None)
    age = doc.integer(node, "maximum_event_age_in_seconds", None)
    qualifier_written = node.get("qualifier")
    return InvokeConfig(
        ref=node.ref,
        function=function.path,
        qualifier=str(doc.resolved(qualifier_written, context)) if qualifier_written else qualifier or LATEST,
        max_retries=DEFAULT_RETRIES if retries is None else retries,
        max_event_age=DEFAULT_MAX_EVENT_AGE_S if age is None else age,
        retries_is_default=retries is None,
        max_event_age_is_default=age is None,
        on_success=outcomes["on_success"],
        on_failure=outcomes["on_failure"],
    )


def permissions(doc: Document, targets: Targets) -> tuple[Permission, ...]:
    return tuple(permission(doc, n, targets) for n in doc.resources("aws_lambda_permission"))


def permission(doc: Document, node: Node, targets: Targets) -> Permission:
    context = f"{node.ref} ({node.path})"
    function, qualifier = targets.function_at(doc.resolved(node.get("function_name", ""), f"{context}: function_name"))
    source = node.get("source_arn")
    return Permission(
        ref=node.ref,
        function=function.path if function is not None else None,
        function_label=str(doc.labelled(node.get("function_name", ""))),
        qualifier=str(doc.resolved(node.get("qualifier"), context)) if node.get("qualifier") else qualifier,
        principal=str(doc.resolved(node.get("principal", ""), f"{context}: principal")),
        action=str(doc.resolved(node.get("action", ""), f"{context}: action")),
        source_arn=str(doc.resolved(source, f"{context}: source_arn")) if source else None,
        source_arn_label=str(doc.labelled(source)) if source else None,
        source_account=str(doc.resolved(node.get("source_account"), context)) if node.get("source_account") else None,
        written={k: v for k, v in node.body.items() if k != "//"},
    )


def mappings(doc: Document, targets: Targets) -> tuple[EventSourceMapping, ...]:
    return tuple(mapping(doc, n, targets) for n in doc.resources("aws_lambda_event_source_mapping"))


def mapping(doc: Document, node: Node, targets: Targets) -> EventSourceMapping:
    context = f"{node.ref} ({node.path})"
    source = node.get("event_source_arn", "")
    source_arn = str(doc.resolved(source, f"{context}: event_source_arn"))
    function, qualifier = targets.function_at(doc.resolved(node.get("function_name", ""), f"{context}: function_name"))
    if function is None:
        doc.problem(f"{context}: the event source mapping names a function that is not in the file")
    stream = kind_of(source_arn) in ("kinesis", "dynamodb")
    filters = []
    for criteria in as_list(node.get("filter_criteria")):
        for item in as_list(criteria.get("filter") if isinstance(criteria, dict) else None):
            if isinstance(item, dict) and item.get("pattern"):
                filters.append(doc.json_argument(item["pattern"], RESOLVED, f"{context}: filter_criteria"))
    scaling = (as_list(node.get("scaling_config")) or [{}])[0] or {}
    enabled = doc.resolved(node.get("enabled", True), context)
    types = [str(t) for t in as_list(doc.resolved(node.get("function_response_types"), context))]
    return EventSourceMapping(
        ref=node.ref,
        source_arn=source_arn,
        source_label=str(doc.labelled(source)),
        function=function.path if function is not None else None,
        qualifier=qualifier,
        batch_size=doc.integer(node, "batch_size", 100 if stream else 10) or 10,
        batching_window=doc.integer(node, "maximum_batching_window_in_seconds", 0) or 0,
        enabled=enabled is not False and enabled != "false",
        report_batch_item_failures="ReportBatchItemFailures" in types,
        filters=tuple(filters),
        maximum_concurrency=optional_int(doc.resolved(scaling.get("maximum_concurrency"), context)),
    )
