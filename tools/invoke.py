"""Invoke handlers locally, as Lambda would, before deploying.

    pipenv run python -m tools.invoke run long_job --payload '{"n": 20000000}' --timeout 10
    pipenv run python -m tools.invoke run first --event events/first.json
    pipenv run python -m tools.invoke flow response-only --payload '{"numbers": [1, 2, 3]}'

``run`` invokes one function and follows its asynchronous self-invocations hop by hop, printing
START/END/REPORT lines per hop. ``flow`` runs First and shows what its destination receives in a
stack's wiring: the full invocation record (function-destination → Second, sqs-destination → the
queue message body) or only the response payload (response-only → Second).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Optional, Sequence, TextIO

from tools.lambda_local import LocalRunner, apply_input_path, destination_record, eventbridge_event

RESPONSE_PAYLOAD_PATH = "$.detail.responsePayload"
FLOWS = ("function-destination", "sqs-destination", "response-only")


def read_event(args: argparse.Namespace) -> Any:
    if args.event and args.payload:
        raise SystemExit("give either --event FILE or --payload JSON, not both")
    try:
        if args.event:
            return json.loads(Path(args.event).read_text())
        return json.loads(args.payload) if args.payload else {}
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"cannot read the event: {error}") from error


def apply_env(pairs: Sequence[str]) -> None:
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--env takes KEY=VALUE; got {pair!r}")
        os.environ[key] = value


def run(args: argparse.Namespace, out: TextIO) -> int:
    runner = LocalRunner(args.function, timeout_ms=args.timeout * 1000, memory_mb=args.memory, out=out)
    hops = runner.run_chain(read_event(args))
    last = hops[-1]
    busy_ms = sum(h.duration_ms for h in hops)
    print(f"--- {len(hops)} invocation(s), {busy_ms:.0f} ms in handlers; "
          f"at least {max(1, math.ceil(busy_ms / (args.timeout * 1000)))} needed at timeout {args.timeout} s", file=out)
    print(json.dumps(last.error or last.result, indent=2, default=str), file=out)
    return 1 if any(h.error for h in hops) else 0


def flow(args: argparse.Namespace, out: TextIO) -> int:
    first = LocalRunner("first", timeout_ms=args.timeout * 1000, out=out).invoke(read_event(args))
    record = destination_record("first", first)
    if args.variant == "sqs-destination":
        print("--- SQS message body delivered to the queue ---", file=out)
        print(json.dumps(record, indent=2), file=out)
        return 0
    if args.variant == "response-only":
        if first.error:
            print("--- First failed: the rule matches Success results only, Second is not invoked ---", file=out)
            return 1
        received = apply_input_path(eventbridge_event(record), RESPONSE_PAYLOAD_PATH)
    else:
        received = record
    print(f"--- Second receives ({args.variant}) ---", file=out)
    print(json.dumps(received, indent=2), file=out)
    second = LocalRunner("second", out=out).invoke(received)
    print(json.dumps(second.error or second.result), file=out)
    return 1 if second.error else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m tools.invoke", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "invoke one function (and its self-invocations)"), ("flow", "First → destination → Second")):
        command = commands.add_parser(name, help=help_text)
        if name == "run":
            command.add_argument("function", help="folder name under functions/, e.g. long_job")
        else:
            command.add_argument("variant", choices=FLOWS)
        command.add_argument("--event", help="JSON file with the event")
        command.add_argument("--payload", help="the event as a JSON string")
        command.add_argument("--timeout", type=int, default=30, help="function timeout in seconds [30]")
        command.add_argument("--memory", type=int, default=128, help="memory size in MB [128]")
        command.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="environment variable")
    return top


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    if not 1 <= args.timeout <= 900:
        raise SystemExit(f"--timeout must be between 1 and 900 seconds; got {args.timeout}")
    apply_env(args.env)
    try:
        return run(args, out) if args.command == "run" else flow(args, out)
    except ValueError as error:
        raise SystemExit(str(error)) from error


if __name__ == "__main__":
    sys.exit(main())
