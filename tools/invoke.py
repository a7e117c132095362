"""Invoke functions locally: ``lambda-local invoke`` and ``lambda-local run`` under their project names.

    .venv/bin/python -m tools.invoke async STACK FUNCTION (--payload JSON | --event FILE)
        [--outdir cdktf.out] [--env KEY=VALUE ...] [--timeout SECONDS] [--json | --diagram] [--duplicates]
    .venv/bin/python -m tools.invoke run HANDLER (--payload JSON | --event FILE)
        [--timeout SECONDS] [--memory MB] [--env KEY=VALUE ...]

``async`` is ``lambda-local invoke`` (local_runtime/cli.py); ``run HANDLER`` is ``lambda-local run
functions/HANDLER``. Same arguments, output and exit codes as before the runtime became a package:
scripts keep working.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from local_runtime import cli

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
SYNTHESIZE_HINT = "run `make synth` (or `.venv/bin/python main.py`) first"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m tools.invoke", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    cli.add_invoke_arguments(commands.add_parser("async", help="run a synthesized stack's asynchronous wiring"))
    running = commands.add_parser("run", help=f"invoke one handler from {FUNCTIONS_DIR.name}/ once")
    running.add_argument("handler", help=f"folder under {FUNCTIONS_DIR.name}/, e.g. long_job")
    running.add_argument("--memory", type=int, default=128, help="memory size in MB [128]")
    cli.add_event_options(running, timeout_default="30")
    return top


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "run":
        if not (FUNCTIONS_DIR / args.handler / "index.py").is_file():
            available = sorted(p.parent.name for p in FUNCTIONS_DIR.glob("*/index.py"))
            print(
                f"error: unknown function {args.handler!r}; available: {', '.join(available)}", file=err or sys.stderr
            )
            return cli.USAGE_ERROR
        args.code, args.function_name, args.handler = str(FUNCTIONS_DIR / args.handler), args.handler, "index.handler"
        args.follow_with, args.runtime = "async", None
    else:
        args.command = "invoke"
    args.synthesize_hint = SYNTHESIZE_HINT
    return cli.execute(args, out or sys.stdout, err or sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
