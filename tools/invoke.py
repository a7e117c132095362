"""Invoke functions locally: one handler, or a synthesized stack's asynchronous wiring.

    .venv/bin/python -m tools.invoke async STACK FUNCTION (--payload JSON | --event FILE)
        [--outdir cdktf.out] [--env KEY=VALUE ...] [--timeout SECONDS] [--json | --diagram] [--duplicates]
    .venv/bin/python -m tools.invoke run HANDLER (--payload JSON | --event FILE)
        [--timeout SECONDS] [--memory MB] [--env KEY=VALUE ...]

``async`` runs ``cdktf.out/stacks/STACK/cdk.tf.json`` with the local engine (``local_runtime``):
FUNCTION (its construct id, e.g. ``First``; ``First:live`` for an alias) is invoked as an Event,
then retries, destinations, EventBridge rules and self-invocations follow as the JSON wires them. ``--env`` and
``--timeout`` override FUNCTION's environment and timeout from the JSON. Without ``--json``: Lambda's
START/END/REPORT lines per invocation, each retry and delivery as it happens, and a summary; with
``--json``: one JSON object on stdout (the log lines go to stderr); with ``--diagram``: the run as a
Mermaid sequence diagram on stdout (one arrow per invocation and delivery, virtual time on each).
Exit 0 when the run completes, whatever the handlers did; 2 for bad arguments, an unknown function,
a stack not synthesized, or code Lambda would refuse at deploy (a missing or broken archive).

``run`` invokes one handler of ``functions/HANDLER/index.py`` once; its AWS calls never leave the
process (asynchronous invokes are listed, not run: ``async`` runs them through the wiring).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from local_runtime.diagram import sequence_diagram
from local_runtime.engine import Engine, summary
from local_runtime.errors import AwsError, EngineError, StackFileError
from local_runtime.model import load_stack, stack_file
from local_runtime.runtimes.python import LambdaContext, intercept_aws, invoke_handler, load_function, read_payload

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"

USAGE_ERROR = 2


class UsageError(Exception):
    """A bad argument, unknown function or missing stack: printed, exit code 2."""


def read_event(args: argparse.Namespace) -> Any:
    if args.event and args.payload:
        raise UsageError("give either --event FILE or --payload JSON, not both")
    if not args.event and args.payload is None:
        raise UsageError("give the event with --payload JSON or --event FILE")
    try:
        if args.event:
            return json.loads(Path(args.event).read_text())
        return json.loads(args.payload)
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read the event: {error}") from error


def environment_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--env takes KEY=VALUE; got {pair!r}")
        overrides[key] = value
    return overrides


def run_async(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    event = read_event(args)
    path = stack_file(args.outdir, args.stack)
    if not path.is_file():
        available = sorted(p.parent.name for p in (Path(args.outdir) / "stacks").glob("*/cdk.tf.json"))
        hint = f" (synthesized: {', '.join(available)})" if available else ""
        raise UsageError(
            f"stack {args.stack!r} is not synthesized under {args.outdir}{hint}: "
            f"run `make synth` (or `.venv/bin/python main.py`) first"
        )
    try:
        stack = load_stack(path)
    except StackFileError as error:
        raise UsageError(str(error)) from None
    function, _, alias = args.function.partition(":")
    if function not in stack.functions:
        raise UsageError(
            f"no function {function!r} in stack {args.stack}; its functions: {', '.join(sorted(stack.functions))}"
        )
    log = err if args.json or args.diagram else out
    started = time.perf_counter()
    environment = {function: environment_overrides(args.env)}
    timeouts = {function: args.timeout} if args.timeout else {}
    try:
        with Engine(stack, out=log, environment=environment, timeouts=timeouts, duplicates=args.duplicates) as engine:
            run = engine.invoke_async(function, event, qualifier=alias or None)
    except (EngineError, StackFileError) as error:
        raise UsageError(str(error)) from None
    if args.json:
        print(json.dumps(run.to_json(), indent=2, default=str), file=out)
    elif args.diagram:
        print(sequence_diagram(run, title=f"{args.stack}: {args.function}"), file=out)
    else:
        print(summary(run, started), file=out)
    return 0


def run_one(args: argparse.Namespace, out: TextIO) -> int:
    event = read_event(args)
    try:
        module = load_function(args.handler, FUNCTIONS_DIR)
    except ValueError as error:
        raise UsageError(str(error)) from None
    calls: list[str] = []

    def answer(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if (service, operation) == ("lambda", "Invoke") and params.get("InvocationType") == "Event":
            calls.append(
                f"lambda.Invoke {params.get('FunctionName')} (Event) {json.dumps(read_payload(params.get('Payload')))}"
            )
            return {"StatusCode": 202}
        raise AwsError(
            "NotEmulated", f"`run` answers only asynchronous lambda.Invoke; {service}.{operation} is not emulated", 501
        )

    context = LambdaContext(
        function_name=args.handler, memory_limit_in_mb=args.memory, timeout_ms=(args.timeout or 30) * 1000
    )
    with intercept_aws(answer):
        invocation = invoke_handler(
            module.handler, event, context, out=out, environment=environment_overrides(args.env)
        )
    for call in calls:
        print(f"--- not followed (use `async` on a synthesized stack): {call}", file=out)
    print(json.dumps(invocation.error or invocation.result, indent=2, default=str), file=out)
    return 1 if invocation.error else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m tools.invoke", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    run_async_parser = commands.add_parser("async", help="run a synthesized stack's asynchronous wiring")
    run_async_parser.add_argument("stack", help="stack name, e.g. response-only")
    run_async_parser.add_argument(
        "function", help="construct id of the function in that stack, e.g. First (First:live for an alias)"
    )
    run_async_parser.add_argument(
        "--outdir", type=Path, default=Path("cdktf.out"), help="synthesized output [cdktf.out]"
    )
    output = run_async_parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    output.add_argument("--diagram", action="store_true", help="print the run as a Mermaid sequence diagram on stdout")
    run_async_parser.add_argument(
        "--duplicates",
        action="store_true",
        help="deliver every asynchronous event after the first twice (Lambda delivers at least once)",
    )
    run_one_parser = commands.add_parser("run", help="invoke one handler from functions/ once")
    run_one_parser.add_argument("handler", help=f"folder under {FUNCTIONS_DIR.name}/, e.g. long_job")
    run_one_parser.add_argument("--memory", type=int, default=128, help="memory size in MB [128]")
    for command in (run_async_parser, run_one_parser):
        command.add_argument("--payload", help="the event as a JSON string")
        command.add_argument("--event", help="JSON file with the event")
        command.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="environment variable for the function (repeatable)",
        )
        command.add_argument("--timeout", type=int, help="function timeout in seconds, 1-900 [from the JSON; run: 30]")
    return top


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.timeout is not None and not 1 <= args.timeout <= 900:
            raise UsageError(f"--timeout must be between 1 and 900 seconds; got {args.timeout}")
        return run_async(args, out, err) if args.command == "async" else run_one(args, out)
    except UsageError as error:
        print(f"error: {error}", file=err)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
