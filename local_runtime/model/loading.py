"""Reading synthesized stacks: ``load_stack`` reads one ``cdk.tf.json`` into the resolved model, once.

The readers of each resource family take what they need explicitly, in the order their inputs
exist: roles, queues and topics, the functions' names (what a target needs to point at a function)
and aliases, then the targets, functions (with their dead-letter targets), buckets (with their
notifications) and what refers to them. Each returns frozen records; nothing is built twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local_runtime.errors import StackFileError
from local_runtime.model import functions as lambda_
from local_runtime.model import http_apis, messaging
from local_runtime.model.document import Document
from local_runtime.model.policies import DERIVED
from local_runtime.model.records import StackModel
from local_runtime.model.roles import roles
from local_runtime.model.targets import Targets, function_names


def read_stack(name: str, document: Any, *, directory: Path | None = None, source: str = "") -> StackModel:
    """The model of one stack from its parsed ``cdk.tf.json`` (``directory``: where its assets lie)."""
    doc = Document(name, document, directory, source, DERIVED)
    stack_roles = roles(doc)
    queues, topics = messaging.queues(doc), messaging.topics(doc)
    names = function_names(doc)
    aliases = lambda_.aliases(doc, names)
    targets = Targets(doc, functions=names, aliases=aliases, queues=queues, topics=topics)
    functions = lambda_.functions(doc, stack_roles, targets)
    buses = messaging.buses(doc)
    buckets = messaging.buckets(doc, targets)
    tables = messaging.tables(doc)
    return StackModel(
        name=doc.name,
        source=doc.source,
        directory=directory,
        region=doc.region,
        account=doc.account,
        partition=doc.partition,
        functions=functions,
        aliases=aliases,
        roles=stack_roles,
        invoke_configs=lambda_.invoke_configs(doc, targets),
        permissions=lambda_.permissions(doc, targets),
        rules=tuple(messaging.rules(doc, targets)),
        subscriptions=messaging.subscriptions(doc, targets),
        event_source_mappings=lambda_.mappings(doc, targets),
        queues=queues,
        topics=topics,
        buses=buses,
        buckets=buckets,
        tables=tables,
        apis=tuple(http_apis.apis(doc, targets)),
        labels=doc.labels(),
        problems=doc.problems(),
        document=document,
    )


def stack_file(outdir: Path | str, name: str) -> Path:
    return Path(outdir) / "stacks" / name / "cdk.tf.json"


def load_stack(path: Path | str) -> StackModel:
    """Read one ``cdk.tf.json``; a missing or malformed file raises StackFileError naming it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise StackFileError(f"{path}: cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise StackFileError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return read_stack(path.parent.name, document, directory=path.parent, source=str(path))


def load_stacks(outdir: Path | str) -> list[StackModel]:
    files = sorted((Path(outdir) / "stacks").glob("*/cdk.tf.json"))
    if not files:
        raise StackFileError(f"no synthesized stacks under {outdir}/stacks: synthesize the app first (cdktf synth)")
    return [load_stack(f) for f in files]
