"""Amazon EventBridge: ``PutEvents`` as a handler calls it, and a bus's rules with their targets.

``PutEvents`` is allowed per entry only if the caller's role allows ``events:PutEvents`` on the bus
(``AccessDeniedException`` otherwise); an entry whose ``Detail`` is not JSON fails alone
(``MalformedDetail``), one over 1 MiB too (``EntryTooLarge``).

Routing ("Amazon EventBridge event patterns", "Transforming input"): every enabled rule of the bus
whose pattern matches sends the event to each of its targets, as ``input``, ``input_path`` or the
input transformer make it; a function target needs a Lambda permission for ``events.amazonaws.com``
from the rule, a queue or topic a policy letting the rule send.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime import arns
from local_runtime.event_patterns import InputError, UnsupportedPattern, matches, transform_input
from local_runtime.iam import service_refusal
from local_runtime.limits import EVENTS_MAX_BYTES
from local_runtime.model.records import Rule, RuleTarget, StackModel
from local_runtime.services.caller import Caller, require
from local_runtime.services.effects import BusEvent


@dataclass(frozen=True)
class Routed:
    """What one target of a matching rule receives, or why it does not (``error``: the input could not
    be built; ``refusal``: the target does not let the rule send)."""

    target: RuleTarget
    received: Any = None
    error: str | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class Match:
    """A rule whose pattern matched, and what each of its targets receives."""

    rule: Rule
    routed: tuple[Routed, ...]


@dataclass(frozen=True)
class Routing:
    matches: tuple[Match, ...] = ()
    problems: tuple[str, ...] = ()  # patterns the local runtime cannot evaluate


def bus_arn(model: StackModel, bus: str) -> str:
    """The ARN of a bus named by name or ARN (``default`` when unnamed)."""
    name = bus or "default"
    return (
        name
        if name.startswith("arn:")
        else f"arn:{model.partition}:events:{model.region}:{model.account}:event-bus/{name}"
    )


def put_events(model: StackModel, caller: Caller, params: dict[str, Any]) -> tuple[dict[str, Any], list[BusEvent]]:
    entries, effects, failed = [], [], 0
    for entry in params.get("Entries", []):
        arn = bus_arn(model, str(entry.get("EventBusName") or "default"))
        require(model, caller, "events:PutEvents", arn, "AccessDeniedException")
        try:
            detail = json.loads(entry.get("Detail") or "{}")
        except json.JSONDecodeError:
            entries.append({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
            failed += 1
            continue
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry.get("DetailType", ""),
            "source": entry.get("Source", ""),
            "account": model.account,
            "time": "",  # when the engine delivers it (AWS's key order: after account)
            "region": model.region,
            "resources": list(entry.get("Resources") or []),
            "detail": detail,
        }
        if len(json.dumps(event).encode()) > EVENTS_MAX_BYTES:
            entries.append(
                {"ErrorCode": "EntryTooLarge", "ErrorMessage": f"the entry is over {EVENTS_MAX_BYTES} bytes"}
            )
            failed += 1
            continue
        effects.append(BusEvent(caller.function.path, caller.chain, caller.now(), arn, event))
        entries.append({"EventId": event["id"]})
    return {"FailedEntryCount": failed, "Entries": entries}, effects


def is_bus_of(model: StackModel, arn: str) -> bool:
    return any(bus.arn == arn for bus in model.buses.values())


def route(model: StackModel, bus: str, event: Mapping[str, Any]) -> Routing:
    """Where ``event`` put on the bus ``bus`` (an ARN) goes: each target of each matching enabled rule."""
    name = arns.last_name(bus)
    found, problems = [], []
    for rule in model.rules:
        if rule.bus_name != name or not rule.enabled or rule.pattern is None:
            continue
        try:
            if not matches(rule.pattern, event):
                continue
        except UnsupportedPattern as error:
            problems.append(f"rule {rule.path} uses {error}: treated as not matching")
            continue
        found.append(Match(rule, tuple(_routed(model, rule, target, event) for target in rule.targets)))
    return Routing(tuple(found), tuple(problems))


def _routed(model: StackModel, rule: Rule, target: RuleTarget, event: Mapping[str, Any]) -> Routed:
    try:
        received = transform_input(
            dict(event),
            input=target.input,
            input_path=target.input_path,
            input_transformer=dict(target.input_transformer) if target.input_transformer else None,
            rule_name=rule.name,
            rule_arn=rule.arn,
        )
    except InputError as error:
        return Routed(target, error=str(error))
    return Routed(
        target, received, refusal=service_refusal(model, target.target, "events.amazonaws.com", rule.arn, rule.path)
    )
