"""Inspect and verify the synthesized Terraform JSON: summary, wiring check, Mermaid diagram.

    pipenv run python -m tools.inspect [cdktf.out] [--json] [--diagram docs/wiring.md]

For every stack in ``<outdir>/stacks/*/cdk.tf.json``: functions, roles and what they allow (Terraform
references resolved to the resource they point at), async-invoke configs, EventBridge rules and
targets, Lambda permissions. Then it verifies the wiring and exits 1 with the list of problems:
- every destination hop is allowed by the source role's identity policy (action and ARN wildcards
  are matched as IAM does: ``*`` and ``?`` in actions, case-insensitively, and in resources);
- every EventBridge target that is a function has a Lambda permission for events.amazonaws.com
  with the rule's ARN as source;
- no action with ``*``; no ``*`` resource except for X-Ray's write actions (X-Ray has no
  resource-level permissions); no Lambda permission without ``source_arn``; no permission that no
  hop, log group, X-Ray or self-invocation uses.
Standard library only: it reads JSON and never imports cdktf.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

REF = re.compile(r"\$\{(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}")
DATA_LABELS = {"aws_partition": "<partition>", "aws_region": "<region>", "aws_caller_identity": "<account>"}
DESTINATION_ACTIONS = {
    "aws_lambda_function": "lambda:InvokeFunction",
    "aws_sqs_queue": "sqs:SendMessage",
    "aws_sns_topic": "sns:Publish",
    "aws_cloudwatch_event_bus": "events:PutEvents",
}
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard semantics: ``*`` any run of characters, ``?`` one character, nothing else special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def reference(value: Any) -> Optional[tuple[str, str, str]]:
    """(type, logical id, attribute) if ``value`` is exactly one Terraform reference."""
    match = REF.fullmatch(value) if isinstance(value, str) else None
    return (match.group(2), match.group(3), match.group(4)) if match else None


@dataclass
class Statement:
    actions: list[str]
    resources: list[str]

    def allows(self, action: str, resource: str) -> bool:
        return any(wildcard_match(a, action, ignore_case=True) for a in self.actions) and any(
            wildcard_match(r, resource) for r in self.resources
        )


@dataclass
class Report:
    stack: str
    summary: dict[str, Any] = field(default_factory=dict)
    hops: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    diagram: str = ""


class Stack:
    def __init__(self, name: str, document: dict[str, Any]) -> None:
        self.name = name
        self.resources: dict[str, dict[str, Any]] = document.get("resource", {})
        self.data: dict[str, dict[str, Any]] = document.get("data", {})

    def items(self, type_: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(type_, {})

    def label(self, type_: str, logical_id: str) -> str:
        body = self.items(type_).get(logical_id) or self.data.get(type_, {}).get(logical_id) or {}
        path = body.get("//", {}).get("metadata", {}).get("path")
        short = path.split("/", 1)[1] if path and "/" in path else logical_id
        return re.sub(r"/Resource$", "", short)

    def resolve(self, text: Any) -> Any:
        """Terraform references replaced by ``type:construct-path`` (``.attribute`` unless arn)."""
        if not isinstance(text, str):
            return text

        def replace(match: re.Match) -> str:
            data, type_, logical_id, attribute = match.groups()
            if data and type_ in DATA_LABELS:
                return DATA_LABELS[type_]
            suffix = "" if attribute == "arn" else f".{attribute}"
            return f"{type_.removeprefix('aws_')}:{self.label(type_, logical_id)}{suffix}"

        return REF.sub(replace, text)

    def resolve_all(self, value: Any) -> Any:
        """``resolve`` applied to every string inside lists and dicts."""
        if isinstance(value, dict):
            return {k: self.resolve_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve_all(v) for v in value]
        return self.resolve(value)

    def statements_of_role(self, role_id: str) -> list[Statement]:
        documents = self.data.get("aws_iam_policy_document", {})
        statements = []
        for policy in self.items("aws_iam_role_policy").values():
            role_ref = reference(policy.get("role"))
            document_ref = reference(policy.get("policy"))
            if role_ref and role_ref[1] == role_id and document_ref:
                for s in documents[document_ref[1]].get("statement", []):
                    if s.get("effect", "Allow") == "Allow":
                        statements.append(Statement(as_list(s.get("actions", [])), as_list(s.get("resources", []))))
        return statements

    def role_of(self, function_id: str) -> Optional[str]:
        ref = reference(self.items("aws_lambda_function")[function_id].get("role"))
        return ref[1] if ref else None


def function_id_of(value: Any) -> Optional[str]:
    ref = reference(value)
    return ref[1] if ref and ref[0] == "aws_lambda_function" else None


def destination_action(destination: str) -> Optional[str]:
    ref = reference(destination)
    if ref:
        return DESTINATION_ACTIONS.get(ref[0])
    return "events:PutEvents" if destination.endswith(":event-bus/default") else None


def check(stack: Stack) -> Report:
    report = Report(stack.name)
    used: set[tuple[str, int, str]] = set()
    functions = stack.items("aws_lambda_function")
    report.summary["functions"] = {
        stack.label("aws_lambda_function", fid): {
            "name": f.get("function_name"), "runtime": f.get("runtime"), "timeout": f.get("timeout"),
            "memory": f.get("memory_size"), "role": stack.resolve(f.get("role")),
        }
        for fid, f in functions.items()
    }
    roles = {}
    for fid in functions:
        role_id = stack.role_of(fid)
        statements = stack.statements_of_role(role_id) if role_id else []
        roles[stack.label("aws_iam_role", role_id)] = [
            f"{', '.join(s.actions)} -> {', '.join(stack.resolve(r) for r in s.resources)}" for s in statements
        ]
        own_arn = f"${{aws_lambda_function.{fid}.arn}}"
        log_group = next((f"${{aws_cloudwatch_log_group.{d.split('.')[1]}.arn}}:*" for d in functions[fid].get("depends_on", []) if d.startswith("aws_cloudwatch_log_group.")), None)
        for index, s in enumerate(statements):
            for action in s.actions:
                if "*" in action:
                    report.problems.append(f"role {stack.label('aws_iam_role', role_id)} allows the wildcard action {action!r}")
            for resource in s.resources:
                if resource == "*" and not set(s.actions) <= XRAY_ACTIONS:
                    report.problems.append(f"role {stack.label('aws_iam_role', role_id)} allows {', '.join(s.actions)} on every resource ('*')")
                if resource == "*" or resource == log_group or resource in (own_arn, f"{own_arn}:*"):
                    used.add((role_id, index, resource))  # X-Ray, own log group, self-invocation
                    if resource == own_arn:
                        report.hops.append(f"{stack.label('aws_lambda_function', fid)} -> itself (asynchronous self-invocation)")
    report.summary["roles"] = roles

    configs = []
    for config in stack.items("aws_lambda_function_event_invoke_config").values():
        source = function_id_of(config.get("function_name"))
        outcomes = config.get("destination_config", {})
        entry = {
            "function": stack.label("aws_lambda_function", source) if source else stack.resolve(config.get("function_name")),
            "qualifier": config.get("qualifier"), "retries": config.get("maximum_retry_attempts"),
            "max_event_age": config.get("maximum_event_age_in_seconds"),
        }
        for outcome in ("on_success", "on_failure"):
            destination = outcomes.get(outcome, {}).get("destination")
            if not destination:
                continue
            entry[outcome] = stack.resolve(destination)
            action = destination_action(destination)
            role_id = stack.role_of(source) if source else None
            hop = f"{entry['function']} --{outcome}--> {stack.resolve(destination)}"
            if action is None or role_id is None:
                report.problems.append(f"{hop}: cannot tell which permission this destination needs")
                continue
            granting = [(i, r) for i, s in enumerate(stack.statements_of_role(role_id)) if s.allows(action, destination)
                        for r in s.resources if wildcard_match(r, destination)]
            if not granting:
                report.problems.append(f"{hop}: role {stack.label('aws_iam_role', role_id)} does not allow {action} on it")
            used.update((role_id, i, r) for i, r in granting)
            report.hops.append(f"{hop} (allowed: {action})")
        configs.append(entry)
    report.summary["async_invoke"] = configs

    rules = {}
    for rule_id, rule in stack.items("aws_cloudwatch_event_rule").items():
        pattern = rule.get("event_pattern", "")
        match = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", pattern, re.S)
        try:
            pattern = json.loads(re.sub(r'" = ', '": ', match.group(1))) if match else json.loads(pattern)
        except json.JSONDecodeError:
            pass
        rules[rule_id] = {"rule": stack.label("aws_cloudwatch_event_rule", rule_id), "event_bus": rule.get("event_bus_name", "default"), "pattern": stack.resolve_all(pattern), "targets": []}
    permissions = stack.items("aws_lambda_permission")
    for permission_id, permission in permissions.items():
        if not permission.get("source_arn"):
            report.problems.append(f"lambda permission {stack.label('aws_lambda_permission', permission_id)} has no source_arn: any {permission.get('principal')} resource could invoke")
    for target in stack.items("aws_cloudwatch_event_target").values():
        rule_ref = reference(target.get("rule"))
        rule_id = rule_ref[1] if rule_ref else None
        if rule_id in rules:
            rules[rule_id]["targets"].append({"target": stack.resolve(target.get("arn")), "input_path": target.get("input_path")})
        target_function = function_id_of(target.get("arn"))
        if target_function is None:
            continue
        hop = f"{stack.resolve(target.get('rule'))} --> {stack.label('aws_lambda_function', target_function)}"
        allowed = [
            p for p in permissions.values()
            if function_id_of(p.get("function_name")) == target_function
            and p.get("principal") == "events.amazonaws.com"
            and wildcard_match(p.get("action", ""), "lambda:InvokeFunction", ignore_case=True)
            and p.get("source_arn") == f"${{aws_cloudwatch_event_rule.{rule_id}.arn}}"
        ]
        if allowed:
            report.hops.append(f"{hop} (allowed by a lambda permission for events.amazonaws.com from that rule)")
        else:
            report.problems.append(f"{hop}: no lambda permission lets events.amazonaws.com invoke it from that rule")
    report.summary["rules"] = list(rules.values())
    report.summary["lambda_permissions"] = [
        {k: stack.resolve(p.get(k)) for k in ("function_name", "principal", "source_arn", "action")} for p in permissions.values()
    ]

    for fid in functions:
        role_id = stack.role_of(fid)
        for index, s in enumerate(stack.statements_of_role(role_id) if role_id else []):
            for resource in s.resources:
                # "<arn>:*" beside a used "<arn>" is that grant's qualified form (versions, aliases).
                companion = resource.endswith(":*") and (role_id, index, resource[:-2]) in used
                if (role_id, index, resource) not in used and not companion:
                    report.problems.append(
                        f"role {stack.label('aws_iam_role', role_id)} allows {', '.join(s.actions)} on {stack.resolve(resource)}, which no hop uses"
                    )
    report.diagram = mermaid(stack, report)
    return report


def node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def destination_node(target: str) -> str:
    """Functions share one node per function; other destinations get a node of their own."""
    return node_id("fn_" + target.split(":", 1)[1]) if target.startswith("lambda_function:") else node_id(target)


def mermaid(stack: Stack, report: Report) -> str:
    lines = ["flowchart LR"]
    buses = {}
    for label in report.summary["functions"]:
        lines.append(f'  {node_id("fn_" + label)}["λ {label}"]')
    for config in report.summary["async_invoke"]:
        for outcome in ("on_success", "on_failure"):
            if outcome in config:
                target = config[outcome]
                target_node = destination_node(target)
                if not target.startswith("lambda_function:"):
                    default_bus = target.endswith(":event-bus/default")
                    lines.append(f'  {target_node}[("{"default event bus" if default_bus else target}")]')
                    if default_bus:
                        buses["default"] = target_node
                lines.append(f'  {node_id("fn_" + config["function"])} -- "{outcome.replace("_", " ")}" --> {target_node}')
    for rule in report.summary["rules"]:
        rule_node = node_id("rule_" + rule["rule"])
        lines.append(f'  {rule_node}{{{{"rule {rule["rule"]}"}}}}')
        if rule.get("event_bus") in buses:
            lines.append(f'  {buses[rule["event_bus"]]} --> {rule_node}')
        for target in rule["targets"]:
            target_node = destination_node(target["target"])
            lines.append(f'  {rule_node} -- "{target["input_path"] or "event"}" --> {target_node}')
    for hop in report.hops:
        if hop.endswith("(asynchronous self-invocation)"):
            label = hop.split(" -> ")[0]
            lines.append(f'  {node_id("fn_" + label)} -- "self-invoke" --> {node_id("fn_" + label)}')
    return "\n".join(dict.fromkeys(lines))


def load(outdir: Path) -> list[Stack]:
    files = sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    if not files:
        raise SystemExit(f"no synthesized stacks under {outdir}/stacks: run `make synth` first")
    return [Stack(f.parent.name, json.loads(f.read_text())) for f in files]


def render(report: Report) -> str:
    s = report.summary
    out = [f"== stack {report.stack}"]
    for label, f in s["functions"].items():
        out.append(f"function {label}: {f['name']} ({f['runtime']}, {f['timeout']} s, {f['memory']} MB), role {f['role']}")
    for role, statements in s["roles"].items():
        out.append(f"role {role}:")
        out.extend(f"  {line}" for line in statements)
    for c in s["async_invoke"]:
        out.append(f"async invoke {c['function']}:{c['qualifier']} retries={c['retries']} max_event_age={c['max_event_age']}"
                   f" on_success={c.get('on_success')} on_failure={c.get('on_failure')}")
    for r in s["rules"]:
        out.append(f"rule {r['rule']}: {json.dumps(r['pattern'])}")
        out.extend(f"  -> {t['target']} input_path={t['input_path']}" for t in r["targets"])
    for p in s["lambda_permissions"]:
        out.append(f"permission: {p['principal']} may {p['action']} {p['function_name']} from {p['source_arn']}")
    out.extend(f"hop ok: {h}" for h in report.hops)
    out.extend(f"PROBLEM: {p}" for p in report.problems)
    return "\n".join(out)


def diagram_markdown(reports: Iterable[Report]) -> str:
    parts = ["# Wiring of the synthesized stacks", "", "Generated by `python -m tools.inspect --diagram docs/wiring.md`; do not edit.", ""]
    for report in reports:
        parts += [f"## {report.stack}", "", "```mermaid", report.diagram, "```", ""]
    return "\n".join(parts)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.inspect", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default="cdktf.out", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--diagram", type=Path, help="write the Mermaid diagrams to this Markdown file")
    args = parser.parse_args(argv)
    reports = [check(stack) for stack in load(args.outdir)]
    if args.diagram:
        args.diagram.parent.mkdir(parents=True, exist_ok=True)
        args.diagram.write_text(diagram_markdown(reports))
    if args.json:
        print(json.dumps([asdict(r) for r in reports], indent=2))
    else:
        print("\n\n".join(render(r) for r in reports))
        problems = sum(len(r.problems) for r in reports)
        print(f"\n{len(reports)} stacks, {sum(len(r.hops) for r in reports)} hops verified, {problems} problem(s)")
    return 1 if any(r.problems for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
