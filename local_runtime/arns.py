"""ARNs, queue URLs and function references, read in one place ("Amazon Resource Names (ARNs)").

``arn:partition:service:region:account-id:resource``, where the resource may hold ``:`` or ``/``
(``function:name:qualifier``, ``event-bus/name``, ``bucket/key``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The kinds the local runtime delivers to, by ARN service.
KINDS = {"lambda": "lambda", "sqs": "sqs", "sns": "sns", "events": "eventbridge", "s3": "s3"}

_FUNCTION_REFERENCE = re.compile(
    r"(?:arn:[^:]+:lambda:[^:]+:\d{12}:function:|\d{12}:function:)?([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?"
)
_INVOKE_ARN = re.compile(r"arn:[^:]+:apigateway:[^:]+:lambda:path/2015-03-31/functions/(.+)/invocations")


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        """The parts of ``text``, or None if it is not an ARN (``*``, a name, a URL)."""
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return None
        return cls(*parts[1:])

    @property
    def name(self) -> str:
        """The resource's own name: the last part after ``/`` or ``:`` (``event-bus/x``: x; ``function:f``: f)."""
        return re.split(r"[/:]", self.resource)[-1]

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def service_of(arn: str) -> str | None:
    """The service part of an ARN, or None for ``*`` and what is not an ARN."""
    parsed = Arn.parse(arn)
    return parsed.service if parsed else None


def kind_of(arn: str) -> str:
    """What an ARN is, for deliveries: lambda, sqs, sns, eventbridge, s3, another service, or unknown."""
    service = service_of(arn)
    return "unknown" if service is None else KINDS.get(service, service)


def last_name(text: str) -> str:
    """A bus, a queue or a policy named by ARN, ``path/name`` or plain name: its name."""
    return text.rsplit("/", 1)[-1]


def function_reference(text: str) -> tuple[str, str | None] | None:
    """(name, qualifier or None) of a function name, ARN, partial ARN, ``name:qualifier`` or invoke ARN."""
    inner = _INVOKE_ARN.fullmatch(text)
    match = _FUNCTION_REFERENCE.fullmatch(inner.group(1) if inner else text)
    return (match.group(1), match.group(2)) if match else None


def function_name(arn: str) -> str | None:
    """The function name of a (qualified) function ARN."""
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "lambda" or not parsed.resource.startswith("function:"):
        return None
    return parsed.resource.split(":")[1]


def queue_arn(url: str, *, partition: str, region: str, account: str) -> str:
    """The ARN of the queue at ``url`` (``https://sqs.<region>.amazonaws.com/<account>/<name>``, or an
    endpoint's ``http://host:port/<account>/<name>``); region and account default to the given ones."""
    parts = url.rstrip("/").split("/")
    host = parts[2] if len(parts) > 2 else ""
    labels = host.split(".")
    if labels[0] == "sqs" and len(labels) >= 3:  # sqs.<region>.amazonaws.com
        host_region = labels[1]
    elif len(labels) >= 4 and labels[1] == "queue":  # <region>.queue.amazonaws.com (the legacy form)
        host_region = labels[0]
    else:
        host_region = region
    owner = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else account
    return f"arn:{partition}:sqs:{host_region}:{owner}:{parts[-1]}"
