"""Serve a synthesized stack's HTTP API on loopback, through the local engine (like ``sam local start-api``).

    .venv/bin/python -m tools.local_api long-job-api [--outdir cdktf.out] [--port 4600]

What it answers and how: ``local_runtime.api``. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from local_runtime.api import LocalApi, server
from local_runtime.engine import Engine
from local_runtime.errors import EngineError, StackFileError
from local_runtime.model import load_stack, stack_file


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="a synthesized stack with an HTTP API, e.g. long-job-api")
    parser.add_argument("--outdir", type=Path, default=Path("cdktf.out"))
    parser.add_argument("--port", type=int, default=4600)
    parser.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", "local"))
    parser.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"))
    args = parser.parse_args(argv)
    try:
        stack = load_stack(stack_file(args.outdir, args.stack))
        with Engine(stack, out=sys.stderr) as engine:
            httpd = server(LocalApi(stack, engine, {args.access_key: args.secret_key}), args.port)
            print(
                f"{stack.name}: {', '.join(r.route_key for r in stack.apis[0].routes)} on http://127.0.0.1:{httpd.server_port}"
                f" (SigV4 with access key {args.access_key})",
                file=sys.stderr,
            )
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                httpd.server_close()
    except (StackFileError, EngineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
