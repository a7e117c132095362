"""Compare what the local runtime produced with what AWS produced, as LocalStack's snapshots recorded it.

A recording holds real AWS values, except where LocalStack's snapshot transformers put a placeholder
(``recordings/README.md`` says which and why). ``differences(expected, got)`` reads the recording so:

- an object's keys are compared as sets (a key missing, a key AWS did not send), each value by its
  type (``200`` is not ``"200"``, ``null`` is not ``{}``) and every fixed value exactly;
- a placeholder is compared by the format of what it replaced: ``<uuid:N>`` a UUID, ``date`` an
  ISO-8601 time, ``timestamp`` epoch milliseconds, ``<receipt-handle:N>`` an opaque handle, an MD5,
  a signature; placeholders inside a string (an ARN's ``<region>``, ``111111111111``,
  ``<resource:N>``) match the parts of the string they stand for;
- ``<name:N>`` is a reference: where the recording shows the same ``<name:N>`` twice, AWS gave the
  same value twice, so the values there must be equal; two different ``N`` of one name were two
  different values. The account and the region are each one value throughout;
- a string that is JSON text of an object is read as that object where the recording shows one:
  the snapshot library parsed such strings (an SQS ``Body``, an SNS ``Message``) before storing them;
- with ``ordered``, an object's keys must also come in the recording's order (only where the
  recording kept AWS's order; ``unordered`` names the objects whose order is not compared).

``ignore`` names paths (``$.Records[0].Sns.Signature``) left out of the comparison, with all below them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MD5 = r"[0-9a-f]{32}"
EPOCH_MILLIS = r"\d{13}"
ISO_8601 = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})"
BASE64 = r"[A-Za-z0-9+/]+={0,2}"
NAME = r"[A-Za-z0-9_.-]+"  # the last segment of an ARN: a function, queue, topic, bus or subscription
SNS_HOST = r"https://sns\.[a-z0-9-]+\.amazonaws\.com"


@dataclass(frozen=True)
class Format:
    """What a placeholder stands for: a description for the diff, a test of a value, and for a string
    format its regular expression (which a placeholder inside a longer string needs)."""

    description: str
    test: Callable[[Any], bool]
    regex: str | None = None


def pattern(description: str, regex: str) -> Format:
    compiled = re.compile(regex)
    return Format(description, lambda value: isinstance(value, str) and compiled.fullmatch(value) is not None, regex)


# ``<name>`` and ``<name:N>`` placeholders, by name: what LocalStack's transformers replaced.
PLACEHOLDERS: dict[str, Format] = {
    "uuid": pattern("a UUID", UUID),
    "request-id": pattern("a request id (a UUID)", UUID),
    "timeout_error_msg": pattern("the request id (a UUID)", UUID),
    "resource": pattern("a resource name", NAME),
    "function-name": pattern("a function name", r"[A-Za-z0-9_-]{1,64}"),
    "input-fn-name": pattern("a function name", r"[A-Za-z0-9_-]{1,64}"),
    "event-bus-name": pattern("an event bus name", NAME),
    "test-msg-id": pattern("the test's message text", r".+"),
    "queue-url": pattern("a queue URL", r"https://sqs\.[a-z0-9-]+\.amazonaws\.com/\d{12}/[A-Za-z0-9_-]+(\.fifo)?"),
    "log-stream-name": pattern(
        "a log stream name (YYYY/MM/DD/[version]hex)", r"\d{4}/\d{1,2}/\d{1,2}/\[(\$LATEST|\d+)\][0-9a-f]{8,32}"
    ),
    "receipt-handle": pattern("a receipt handle (opaque, no spaces)", r"\S+"),
    "sender-id": pattern("a sender id (an IAM unique id)", r"[A-Z0-9]{16,}(:\S+)?"),
    "m-d5-of-body": pattern("an MD5 (32 hex digits)", MD5),
    "md5-of-body": pattern("an MD5 (32 hex digits)", MD5),
    "md5-body": pattern("an MD5 (32 hex digits)", MD5),
    "md5-hash": pattern("an MD5 (32 hex digits)", MD5),
    "m-d5-of-message-attributes": pattern("an MD5 (32 hex digits)", MD5),
    "approximate-first-receive-timestamp": pattern("epoch milliseconds", EPOCH_MILLIS),
    "signature": pattern("a base64 signature", BASE64),
    "log-result": pattern("base64 text (a log's tail)", BASE64),
    "date": pattern("an ISO-8601 time", ISO_8601),
    "duration": pattern("milliseconds (a number)", r"\d+(\.\d+)?"),
    "memory": pattern("megabytes (a whole number)", r"\d+"),
    "cert-domain": pattern("SNS's https host", SNS_HOST),
    "unsubscribe-domain": pattern("SNS's https host", SNS_HOST),
    "signing-cert-file": pattern("a certificate file name", r"[0-9a-f]+\.pem"),
    "stack-trace": Format(
        "a stack trace (a list of strings)",
        lambda value: isinstance(value, list) and all(isinstance(line, str) for line in value),
    ),
    "remaining-time-in-millis": Format(
        "milliseconds left (a whole number)", lambda value: type(value) is int and value >= 0
    ),
}
# Whole values that are placeholders without angle brackets.
WORDS: dict[str, Format] = {
    "date": pattern("an ISO-8601 time", ISO_8601),
    "timestamp": pattern("epoch milliseconds", EPOCH_MILLIS),
    "sent-timestamp": pattern("epoch milliseconds", EPOCH_MILLIS),
    "sender-id": PLACEHOLDERS["sender-id"],
    "receipt-handle": PLACEHOLDERS["receipt-handle"],
    "m-d5-of-body": PLACEHOLDERS["m-d5-of-body"],
    "log-result": PLACEHOLDERS["log-result"],
}
# Inside strings: one account and one region throughout a comparison.
ACCOUNT, REGION, PARTITION = "111111111111", "<region>", "<partition>"
INLINE = {ACCOUNT: r"\d{12}", REGION: r"[a-z]{2}(-[a-z]+)+-\d", PARTITION: r"aws(-[a-z]+)*"}
TOKEN = re.compile(r"(<[a-z0-9_-]+(?::\d+)?>|111111111111)")
REFERENCE = re.compile(r"<([a-z0-9_-]+)(?::(\d+))?>")


@dataclass(frozen=True)
class Difference:
    path: str
    expected: Any
    got: Any
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: expected {_show(self.expected)}, got {_show(self.got)} ({self.problem})"


MISSING = object()


def _show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    text = json.dumps(value, default=repr)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class _Comparison:
    ordered: bool
    ignore: tuple[str, ...]
    unordered: tuple[str, ...]
    found: list[Difference] = field(default_factory=list)
    # (placeholder name, N) -> (value, first path); the same for the account and the region.
    bound: dict[tuple[str, str], tuple[Any, str]] = field(default_factory=dict)

    def differ(self, path: str, expected: Any, got: Any, problem: str) -> None:
        self.found.append(Difference(path, expected, got, problem))

    def skipped(self, path: str) -> bool:
        return any(path == p or path.startswith((p + ".", p + "[")) for p in self.ignore)

    def value(self, path: str, expected: Any, got: Any) -> None:
        if self.skipped(path):
            return
        if isinstance(expected, dict):
            self.object(path, expected, _parsed(got))
        elif isinstance(expected, list):
            self.list(path, expected, got)
        elif isinstance(expected, str):
            self.string(path, expected, got)
        elif type(expected) is not type(got):
            self.differ(path, expected, got, f"a {_kind(got)} where AWS gave a {_kind(expected)}")
        elif expected != got:
            self.differ(path, expected, got, "another value")

    def object(self, path: str, expected: dict[str, Any], got: Any) -> None:
        if not isinstance(got, dict):
            self.differ(path, expected, got, f"a {_kind(got)} where AWS gave an object")
            return
        for key, value in expected.items():
            child = f"{path}.{key}"
            if key not in got:
                if not self.skipped(child):
                    self.differ(child, value, MISSING, "missing")
                continue
            self.value(child, value, got[key])
        for key in got:
            child = f"{path}.{key}"
            if key not in expected and not self.skipped(child):
                self.differ(child, MISSING, got[key], "a key AWS did not send")
        if self.ordered and path not in self.unordered:
            recorded = [k for k in expected if k in got and not self.skipped(f"{path}.{k}")]
            produced = [k for k in got if k in expected and not self.skipped(f"{path}.{k}")]
            if recorded != produced:
                self.differ(path, recorded, produced, "keys in another order than AWS's")

    def list(self, path: str, expected: list[Any], got: Any) -> None:
        if not isinstance(got, list):
            self.differ(path, expected, got, f"a {_kind(got)} where AWS gave a list")
            return
        if len(expected) != len(got):
            self.differ(path, expected, got, f"{len(got)} items where AWS gave {len(expected)}")
        for index, (item, produced) in enumerate(zip(expected, got, strict=False)):
            self.value(f"{path}[{index}]", item, produced)

    def string(self, path: str, expected: str, got: Any) -> None:
        whole = WORDS.get(expected) or _placeholder(expected)
        if whole is not None:
            if not whole.test(got):
                self.differ(path, expected, got, f"not {whole.description}")
            else:
                self.bind(path, expected, got)
            return
        if not TOKEN.search(expected):
            if type(got) is not str:
                self.differ(path, expected, got, f"a {_kind(got)} where AWS gave a string")
            elif got != expected:
                self.differ(path, expected, got, "another value")
            return
        parts = TOKEN.split(expected)  # text, token, text, token, ..., text
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<t{i}>{_regex_of(part)})" for i, part in enumerate(parts)
        )
        match = re.fullmatch(regex, got) if isinstance(got, str) else None
        if match is None:
            self.differ(path, expected, got, "does not match the recorded string and its placeholders")
            return
        for i in range(1, len(parts), 2):
            self.bind(path, parts[i], match.group(f"t{i}"))

    def bind(self, path: str, token: str, value: Any) -> None:
        """The same placeholder reference holds one value; different references of one name, different ones."""
        if token in (ACCOUNT, REGION, PARTITION):
            key = (token, "")
        else:
            reference = REFERENCE.fullmatch(token)
            if reference is None or reference.group(2) is None:
                return  # a value-only placeholder: no reference to keep
            key = (reference.group(1), reference.group(2))
        seen = self.bound.get(key)
        if seen is None:
            clash = next((k for k, (v, _) in self.bound.items() if k[0] == key[0] and v == value), None)
            if clash is not None and key[0] not in (ACCOUNT, REGION, PARTITION):
                first = self.bound[clash][1]
                self.differ(
                    path, token, value, f"the same value as <{clash[0]}:{clash[1]}> at {first}, where AWS's differed"
                )
            self.bound[key] = (value, path)
        elif seen[0] != value:
            self.differ(path, token, value, f"not the value at {seen[1]} ({_show(seen[0])}), where AWS's was the same")


def _regex_of(token: str) -> str:
    if token in INLINE:
        return INLINE[token]
    known = _placeholder(token)
    if known is None or known.regex is None:
        raise ValueError(f"the placeholder {token} cannot stand inside a string: it has no regular expression")
    return known.regex


def _placeholder(text: str) -> Format | None:
    """The format of a whole-value ``<name>`` / ``<name:N>`` placeholder, if ``text`` is one."""
    reference = REFERENCE.fullmatch(text)
    if reference is None:
        return None
    if text in INLINE:
        return pattern(f"{text} (as it is throughout)", INLINE[text])
    known = PLACEHOLDERS.get(reference.group(1))
    if known is None:
        raise ValueError(f"no format is known for the placeholder {text}: add it to PLACEHOLDERS")
    return known


def _parsed(got: Any) -> Any:
    """A string of JSON text of an object read as that object, as the snapshot library read it."""
    if isinstance(got, str) and got.startswith("{"):
        try:
            return json.loads(got)
        except json.JSONDecodeError:
            return got
    return got


def _kind(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    return {
        dict: "object",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def differences(
    expected: Any,
    got: Any,
    *,
    ordered: bool = False,
    ignore: Iterable[str] = (),
    unordered: Iterable[str] = (),
) -> list[Difference]:
    """Every way ``got`` differs from the recorded ``expected``, each with its path from ``$``."""
    comparison = _Comparison(ordered, tuple(ignore), tuple(unordered))
    comparison.value("$", expected, got)
    return comparison.found


def report(found: list[Difference]) -> str:
    """The differences as lines a reader can act on: path, what AWS recorded, what the runtime gave."""
    return f"{len(found)} difference(s) from AWS's recording:\n" + "\n".join(f"  {d}" for d in found)


def assert_matches(expected: Any, got: Any, **options: Any) -> None:
    found = differences(expected, got, **options)
    assert not found, report(found)


def unknown_placeholders(recorded: Any) -> list[str]:
    """The placeholders in a recorded value that this module has no format for (each would raise)."""
    unknown: list[str] = []
    if isinstance(recorded, dict):
        for value in recorded.values():
            unknown += unknown_placeholders(value)
    elif isinstance(recorded, list):
        for value in recorded:
            unknown += unknown_placeholders(value)
    elif isinstance(recorded, str) and recorded not in WORDS:
        for token in TOKEN.findall(recorded):
            reference = REFERENCE.fullmatch(token)
            whole = recorded == token
            if reference and token not in INLINE and reference.group(1) not in PLACEHOLDERS:
                unknown.append(token)
            elif reference and not whole and token not in INLINE and PLACEHOLDERS[reference.group(1)].regex is None:
                unknown.append(token)
    return unknown
