"""Serve a synthesized stack's HTTP API on loopback: ``lambda-local api`` under its project name.

    .venv/bin/python -m tools.local_api long-job-api [--outdir cdktf.out] [--port 4600] [--api PATH]

What it answers and how: ``local_runtime.api``. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from local_runtime import cli
from tools.invoke import SYNTHESIZE_HINT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="a synthesized stack with an HTTP API, e.g. long-job-api")
    parser.add_argument("--outdir", type=Path, default=Path("cdktf.out"))
    parser.add_argument("--port", type=int, default=4600)
    parser.add_argument("--api", help="which of the stack's HTTP APIs: construct path or logical id [the first]")
    parser.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", "local"))
    parser.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"))
    args = parser.parse_args(argv)
    args.command, args.synthesize_hint = "api", SYNTHESIZE_HINT
    return cli.execute(args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
