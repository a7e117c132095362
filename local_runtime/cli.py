"""lambda-local: run a synthesized cdktf app's Lambda wiring on this machine, as AWS runs it.

    lambda-local invoke STACK FUNCTION (--payload JSON | --event FILE) [--outdir cdktf.out]
        [--env KEY=VALUE ...] [--timeout SECONDS] [--json | --diagram] [--duplicates]
    lambda-local api STACK [--outdir cdktf.out] [--port 4600] [--access-key KEY --secret-key SECRET]
    lambda-local inspect [OUTDIR | STACK_FOLDER] [--json] [--diagram FILE]
    lambda-local run CODE_FOLDER (--payload JSON | --event FILE) [--handler index.handler]
        [--timeout SECONDS] [--memory MB] [--env KEY=VALUE ...]
    lambda-local node-sdk [--reinstall]

STACK is a stack's name under ``--outdir`` [cdktf.out] or a stack's own folder (the one holding its
``cdk.tf.json``), from any directory and from any cdktf app, Python or TypeScript. Also run as
``python -m local_runtime``.

- ``invoke``: FUNCTION (its construct id, e.g. ``First``; ``First:live`` for an alias) is invoked as an
  Event, then retries, destinations, rules, queues and self-invocations follow as the JSON wires
  them (docs/local-runtime.md). ``--env`` and ``--timeout`` override FUNCTION's environment and
  timeout. Without ``--json``: Lambda's START/END/REPORT lines, each retry and delivery as it happens,
  and a summary; ``--json``: one JSON object on stdout (the log lines go to stderr); ``--diagram``: a
  Mermaid sequence diagram on stdout. Exit 0 when the run completes, whatever the handlers did.
- ``api``: the stack's HTTP API on 127.0.0.1, SigV4 checked (``local_runtime.api``).
- ``inspect``: the summary, the wiring verified (exit 1 on a problem), Mermaid diagrams (``--diagram``).
- ``run``: one handler of a code folder invoked once; its asynchronous invokes are listed, not followed.
- ``node-sdk``: the JavaScript SDK v3 that Lambda's Node.js runtimes give handlers, installed with npm
  into the user cache (a checkout's setup installs it beside the runtime instead).

Bad arguments, an unknown stack or function, a file that is not a stack, code Lambda would refuse at
deploy: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from local_runtime.errors import AwsError, EngineError, StackFileError
from local_runtime.model.records import StackModel

USAGE_ERROR = 2
PROG = "lambda-local"
SYNTHESIZE_HINT = "synthesize it first (cdktf synth)"


class UsageError(Exception):
    """A bad argument, an unknown stack or function, a stack file that cannot be used: exit 2."""


# --- arguments shared by the commands -------------------------------------------------------------------


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


def stack_path(stack: str, outdir: Path, synthesize_hint: str) -> Path:
    """The ``cdk.tf.json`` STACK names: a stack folder (or the file itself), else a stack of ``outdir``."""
    given = Path(stack)
    if given.is_file() and given.name == "cdk.tf.json":
        return given
    if (given / "cdk.tf.json").is_file():
        return given / "cdk.tf.json"
    from local_runtime.model import stack_file

    path = stack_file(outdir, stack)
    if not path.is_file():
        available = sorted(p.parent.name for p in (outdir / "stacks").glob("*/cdk.tf.json"))
        hint = f" (synthesized: {', '.join(available)})" if available else ""
        raise UsageError(f"stack {stack!r} is not synthesized under {outdir}{hint}: {synthesize_hint}")
    return path


def load(path: Path) -> Any:
    from local_runtime.model import load_stack

    try:
        return load_stack(path)
    except StackFileError as error:
        raise UsageError(str(error)) from None


def warn_if_stale(stack: StackModel, err: TextIO) -> None:
    """A line on ``err`` for each function whose source changed after the stack was synthesized."""
    from local_runtime.freshness import project_of, stale_functions

    project = project_of(Path(stack.source))
    if project is not None:
        for stale in stale_functions(stack, project):
            print(stale.warning(project), file=err)


# --- invoke ---------------------------------------------------------------------------------------------


def invoke(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from local_runtime.diagram import sequence_diagram
    from local_runtime.engine import Engine, summary

    event = read_event(args)
    stack = load(stack_path(args.stack, args.outdir, args.synthesize_hint))
    warn_if_stale(stack, err)
    function, _, alias = args.function.partition(":")
    if function not in stack.functions:
        raise UsageError(
            f"no function {function!r} in stack {stack.name}; its functions: {', '.join(sorted(stack.functions))}"
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
        print(sequence_diagram(run, title=f"{stack.name}: {args.function}"), file=out)
    else:
        print(summary(run, started), file=out)
    return 0


# --- api ------------------------------------------------------------------------------------------------


def api(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from local_runtime.api import LocalApi, server
    from local_runtime.engine import Engine

    stack = load(stack_path(args.stack, args.outdir, args.synthesize_hint))
    warn_if_stale(stack, err)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535; got {args.port}")
    try:
        with (
            Engine(stack, out=err) as engine,
            LocalApi(
                stack, engine, {args.access_key: args.secret_key}, out=err, api=getattr(args, "api", None)
            ) as local,
        ):
            try:
                httpd = server(local, args.port)
            except OSError as error:  # in use, or refused (a port below 1024 without privileges)
                raise UsageError(
                    f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}; "
                    "pick another port with --port (0: any free port)"
                ) from None
            routes = ", ".join(f"{r.route_key} ({r.payload_format_version})" for r in local.api.routes)
            base = f"http://127.0.0.1:{httpd.server_port}"
            # $default at the root, a named stage under its name
            where = ", ".join(
                base if stage.name == "$default" else f"{base}/{stage.name}" for stage in local.api.served_stages()
            )
            print(f"{stack.name}: {routes} on {where} (SigV4 with access key {args.access_key})", file=err)
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                httpd.server_close()  # and the work the functions queued: it stops after the step in progress
    except (StackFileError, EngineError) as error:
        raise UsageError(str(error)) from None
    return 0


# --- inspect --------------------------------------------------------------------------------------------


def inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from local_runtime.model import load_stack, load_stacks
    from local_runtime.verifier import check, diagram_markdown, render

    path = Path(args.path)
    try:
        if (path / "cdk.tf.json").is_file():
            stacks = [load_stack(path / "cdk.tf.json")]
        elif path.is_file() and path.name == "cdk.tf.json":
            stacks = [load_stack(path)]
        else:
            stacks = load_stacks(path)
    except StackFileError as error:
        raise UsageError(str(error)) from None
    reports = [check(stack) for stack in stacks]
    if args.diagram:
        args.diagram.parent.mkdir(parents=True, exist_ok=True)
        command = getattr(args, "generated_by", None) or f"{PROG} inspect {args.path} --diagram {args.diagram}"
        args.diagram.write_text(diagram_markdown(reports, command))
    if args.json:
        print(json.dumps([asdict(r) for r in reports], indent=2), file=out)
    else:
        print("\n\n".join(render(r) for r in reports), file=out)
        problems, warnings = sum(len(r.problems) for r in reports), sum(len(r.warnings) for r in reports)
        counted = f"{len(reports)} stacks, {sum(len(r.hops) for r in reports)} hops verified, {problems} problem(s)"
        # a warning deploys today and does not fail the check; counted only when there is one
        print(f"\n{counted}{f', {warnings} warning(s)' if warnings else ''}", file=out)
    return 1 if any(r.problems for r in reports) else 0


# --- run ------------------------------------------------------------------------------------------------


class _RunCalls:
    """What ``run`` answers a handler's AWS calls with: an asynchronous invoke is listed, not followed."""

    def __init__(self) -> None:
        self.invokes: list[str] = []

    def call(self, service: str, operation: str, params: dict[str, Any], access_key: str = "") -> dict[str, Any]:
        from local_runtime.services.lambda_api import payload_bytes

        if (service, operation) == ("lambda", "Invoke") and params.get("InvocationType") == "Event":
            payload = json.loads(payload_bytes(params.get("Payload")) or b"null")
            self.invokes.append(f"lambda.Invoke {params.get('FunctionName')} (Event) {json.dumps(payload)}")
            return {"StatusCode": 202, "Payload": b""}
        raise AwsError(
            "NotEmulated", f"`run` answers only asynchronous lambda.Invoke; {service}.{operation} is not emulated", 501
        )


def runtime_of(code: Path, handler: str) -> str:
    """The runtime a handler's file says: ``index.py`` Python, ``index.js``/``.mjs``/``.cjs`` Node.js."""
    module = code / handler.rsplit(".", 1)[0]
    if module.with_suffix(".py").is_file():
        return "python3.12"
    if any(module.with_suffix(suffix).is_file() for suffix in (".js", ".mjs", ".cjs")):
        return "nodejs22.x"
    raise UsageError(
        f"no handler module {module.name}.py, .js, .mjs or .cjs in {code}: name the runtime with --runtime"
    )


def run_handler(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import uuid

    from local_runtime.runtimes import executor_for
    from local_runtime.runtimes.base import InvocationRequest, lambda_variables
    from local_runtime.services.protocols.endpoint import Endpoint

    event = read_event(args)
    code = Path(args.code).resolve()
    if not code.is_dir():
        raise UsageError(f"{code} is not a folder of handler code")
    runtime = args.runtime or runtime_of(code, args.handler)
    name = args.function_name or code.name
    calls = _RunCalls()
    endpoint = Endpoint(calls)
    try:
        executor = executor_for(runtime, code, args.handler, name=name, endpoint=lambda: endpoint.url)
        try:
            invocation = executor.invoke(
                InvocationRequest(
                    event=event,
                    request_id=str(uuid.uuid4()),
                    function_name=name,
                    function_version="$LATEST",
                    invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                    memory_limit_in_mb=args.memory,
                    timeout_s=args.timeout or 30,
                    environment={
                        **lambda_variables(
                            name=name,
                            version="$LATEST",
                            memory_mb=args.memory,
                            runtime=runtime,
                            handler=args.handler,
                            region="us-east-1",
                        ),
                        **environment_overrides(args.env),
                    },
                    out=out,
                )
            )
        finally:
            executor.close()
    except EngineError as error:
        raise UsageError(str(error)) from None
    finally:
        endpoint.close()
    for call in calls.invokes:
        print(
            f"--- not followed (use `{getattr(args, 'follow_with', 'invoke')}` on a synthesized stack): {call}",
            file=out,
        )
    print(json.dumps(invocation.error or invocation.result, indent=2, default=str), file=out)
    return 1 if invocation.error else 0


# --- node-sdk -------------------------------------------------------------------------------------------


def node_sdk(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from local_runtime.runtimes.node import install_sdk, sdk_modules

    found = sdk_modules()
    if found is not None and not args.reinstall:
        print(f"the JavaScript SDK v3 for Node.js handlers is in {found}", file=out)
        return 0
    try:
        print(f"the JavaScript SDK v3 for Node.js handlers installed in {install_sdk()}", file=out)
    except EngineError as error:
        raise UsageError(str(error)) from None
    return 0


# --- the command line -----------------------------------------------------------------------------------

COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "invoke": invoke,
    "api": api,
    "inspect": inspect,
    "run": run_handler,
    "node-sdk": node_sdk,
}


def add_event_options(command: argparse.ArgumentParser, *, timeout_default: str) -> None:
    command.add_argument("--payload", help="the event as a JSON string")
    command.add_argument("--event", help="JSON file with the event")
    command.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="environment variable for the function"
    )
    command.add_argument("--timeout", type=int, help=f"function timeout in seconds, 1-900 [{timeout_default}]")


def add_invoke_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("stack", help="a stack's name under --outdir, or a stack's folder (its cdk.tf.json)")
    command.add_argument("function", help="construct id of the function in that stack, e.g. First (First:live)")
    command.add_argument("--outdir", type=Path, default=Path("cdktf.out"), help="synthesized output [cdktf.out]")
    output = command.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    output.add_argument("--diagram", action="store_true", help="print the run as a Mermaid sequence diagram")
    command.add_argument(
        "--duplicates",
        action="store_true",
        help="deliver every asynchronous event after the first twice (Lambda delivers at least once)",
    )
    add_event_options(command, timeout_default="from the JSON")


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=prog, description=__doc__.partition("\n\n")[2], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="{invoke,api,inspect,run,node-sdk}")
    add_invoke_arguments(
        commands.add_parser("invoke", help="invoke a function of a synthesized stack asynchronously, and follow it")
    )
    serving = commands.add_parser("api", help="serve a stack's HTTP API on 127.0.0.1")
    serving.add_argument("stack", help="a stack's name under --outdir, or a stack's folder")
    serving.add_argument("--outdir", type=Path, default=Path("cdktf.out"), help="synthesized output [cdktf.out]")
    serving.add_argument("--port", type=int, default=4600, help="port on 127.0.0.1 [4600; 0: any free port]")
    serving.add_argument(
        "--api", help="which of the stack's HTTP APIs: its construct path or logical id [the first one]"
    )
    serving.add_argument(
        "--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", "local"), help="[$AWS_ACCESS_KEY_ID or local]"
    )
    serving.add_argument(
        "--secret-key",
        default=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        help="[$AWS_SECRET_ACCESS_KEY or local]",
    )
    inspecting = commands.add_parser("inspect", help="summarize and verify the wiring; Mermaid diagrams")
    inspecting.add_argument(
        "path", nargs="?", default="cdktf.out", help="synthesized output, or one stack's folder [cdktf.out]"
    )
    inspecting.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    inspecting.add_argument("--diagram", type=Path, help="write the Mermaid diagrams to this Markdown file")
    running = commands.add_parser("run", help="invoke one handler of a code folder once")
    running.add_argument("code", help="the folder holding the handler's code")
    running.add_argument("--handler", default="index.handler", help="module.function [index.handler]")
    running.add_argument(
        "--runtime", help="python3.9 to 3.13, nodejs18.x to 24.x [python3.12 or nodejs22.x, by the handler's file]"
    )
    running.add_argument("--function-name", help="the function's name in its context [the folder's name]")
    running.add_argument("--memory", type=int, default=128, help="memory size in MB [128]")
    add_event_options(running, timeout_default="30")
    installing = commands.add_parser(
        "node-sdk", help="install the JavaScript SDK v3 Lambda gives Node.js handlers (npm, into the user cache)"
    )
    installing.add_argument("--reinstall", action="store_true", help="install it even if one is found")
    return top


def execute(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a parsed command; a UsageError becomes one line on ``err`` and exit 2."""
    try:
        if getattr(args, "timeout", None) is not None and not 1 <= args.timeout <= 900:
            raise UsageError(f"--timeout must be between 1 and 900 seconds; got {args.timeout}")
        return COMMANDS[args.command](args, out, err)
    except UsageError as error:
        print(f"error: {error}", file=err)
        return USAGE_ERROR


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``lambda-local ARGV``; output to ``out`` and ``err`` [the process's stdout and stderr, when called]."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    args.synthesize_hint = SYNTHESIZE_HINT
    return execute(args, out or sys.stdout, err or sys.stderr)


def entry_point() -> None:
    """The console script: stdout and stderr are the terminal's."""
    sys.exit(main())
