"""Where an ARN argument points: a function (or alias) of the stack, a queue, topic, bus or bucket, or
something outside it; and, for a Lambda destination or dead-letter target, what the sending
function's role must allow for the delivery (with the KMS grants a customer-managed key needs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime.arns import function_reference, kind_of
from local_runtime.model.document import Document
from local_runtime.model.records import LATEST, Alias, Queue, Requirement, Target, Topic


@dataclass(frozen=True)
class FunctionName:
    """What names a function of the stack: enough to point at it before its record is read."""

    path: str
    name: str
    arn: str


def function_names(doc: Document) -> dict[str, FunctionName]:
    """Every ``aws_lambda_function`` of the file, by its function name."""
    found = {}
    for node in doc.resources("aws_lambda_function"):
        name = str(doc.attribute(node, "function_name"))
        found[name] = FunctionName(node.path, name, str(doc.attribute(node, "arn")))
    return found


def function_at(functions: Mapping[str, FunctionName], text: Any) -> tuple[FunctionName | None, str | None]:
    """(function, qualifier) for a resolved function name, ARN, partial ARN, ``name:qualifier`` or invoke ARN."""
    reference = function_reference(str(text))
    if reference is None:
        return None, None
    return functions.get(reference[0]), reference[1]


class Targets:
    def __init__(
        self,
        doc: Document,
        *,
        functions: Mapping[str, FunctionName],
        aliases: Mapping[str, Alias],
        queues: Mapping[str, Queue],
        topics: Mapping[str, Topic],
    ) -> None:
        self.doc, self.functions, self.aliases, self.queues, self.topics = doc, functions, aliases, queues, topics

    def function_at(self, text: Any) -> tuple[FunctionName | None, str | None]:
        return function_at(self.functions, text)

    def target(self, written: Any, context: str, *, deliver: bool = False) -> Target:
        """Where ``written`` (an ARN argument) points; with ``deliver``, what a destination delivery needs."""
        arn = str(self.doc.resolved(written, context))
        label = str(self.doc.labelled(written))
        kind = kind_of(arn)
        function, qualifier = self.function_at(arn) if kind == "lambda" else (None, None)
        if function is not None and qualifier is not None and not qualifier.isdigit() and qualifier != LATEST:
            if f"{function.arn}:{qualifier}" not in self.aliases:
                self.doc.problem(f"{context}: {arn} names an alias {qualifier!r} that is not in the file")
        requirements: tuple[Requirement, ...] = ()
        if deliver:
            requirements = tuple(self.delivery_requirements(arn, kind))
        return Target(
            arn=arn,
            label=label,
            kind=kind,
            function=function.path if function is not None else None,
            qualifier=qualifier,
            requirements=requirements,
        )

    def delivery_requirements(self, arn: str, kind: str) -> list[Requirement]:
        """What the source function's role must allow for Lambda to deliver a record to ``arn``."""
        requirements = {
            "lambda": [Requirement("lambda:InvokeFunction", arn)],
            "sqs": [Requirement("sqs:SendMessage", arn)],
            "sns": [Requirement("sns:Publish", arn)],
            "eventbridge": [Requirement("events:PutEvents", arn)],
            "s3": [Requirement("s3:PutObject", f"{arn}/*"), Requirement("s3:ListBucket", arn)],
        }.get(kind, [])
        encrypted = self.queues.get(arn) or self.topics.get(arn)
        key = encrypted.customer_key if encrypted is not None else None
        if key is not None:
            requirements += [Requirement("kms:GenerateDataKey", key), Requirement("kms:Decrypt", key)]
        return requirements
