"""Local async engine benchmark: overhead per asynchronous invocation, and a long job's hops.

    .venv/bin/python benchmarks/engine.py [--runs 5] [--hops 200] [--n 100000000]

The stacks are synthesized once into a temporary folder (``main.build``, default settings).

1. Overhead: the engine's wall time minus the time inside handlers, per invocation, for
   - ``self-invoking``: LongJob with ``STEP_BUDGET=1`` over ``--hops`` chunks, one engine, so one
     invocation per hop (each hop's own boto3 ``invoke`` runs inside the handler and counts as
     handler time, as it would on Lambda);
   - ``function-destination``: First → Second, a fresh engine each run, so archive unpacking and
     the handlers' first import are included (the first invocation of a run).
   Median over ``--runs``.
2. Hops: LongJob with ``n = --n``, ``--timeout 3`` and ``SAFETY_MARGIN_MS=500``: hops used, against
   the minimum ``ceil(time in handlers / 3 s)`` that a perfect hand-off would need.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from components import provider_imports  # noqa: E402  (before cdktf: the jsii kernel starts lazy)

provider_imports.install()

from cdktf import App  # noqa: E402

from local_runtime.engine import Engine  # noqa: E402
from local_runtime.model import load_stack, stack_file  # noqa: E402
from main import build  # noqa: E402
from stacks import Settings  # noqa: E402

CHUNK = 50_000


def overhead(stack, function, payload, environment) -> tuple[float, int, float]:
    """(engine milliseconds per invocation outside handlers, invocations, handler seconds)."""
    with Engine(stack, environment=environment) as engine:
        started = time.perf_counter()
        run = engine.invoke_async(function, payload)
        wall = time.perf_counter() - started
    invocations = len(run.invocations)
    return (wall - engine.handler_seconds) * 1000 / invocations, invocations, engine.handler_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hops", type=int, default=200)
    parser.add_argument("--n", type=int, default=10**8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as outdir:
        app = App(outdir=outdir)
        build(app, Settings())
        app.synth()
        chain = load_stack(stack_file(Path(outdir), "self-invoking"))
        pair = load_stack(stack_file(Path(outdir), "function-destination"))
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.runs} runs")

        budget = {"LongJob": {"STEP_BUDGET": "1", "MAX_CHAIN_DEPTH": str(args.hops + 1)}}
        samples = [overhead(chain, "LongJob", {"n": args.hops * CHUNK}, budget) for _ in range(args.runs)]
        print(
            f"self-invoking, {samples[0][1]} hops in one engine: "
            f"{statistics.median(s[0] for s in samples):.2f} ms per invocation outside handlers "
            f"(handlers: {statistics.median(s[2] for s in samples) * 1000 / samples[0][1]:.2f} ms each)"
        )
        samples = [overhead(pair, "First", {"numbers": [1, 2, 3]}, {}) for _ in range(args.runs)]
        print(
            f"function-destination, First -> Second, fresh engine each run (archives unpacked, handlers imported): "
            f"{statistics.median(s[0] for s in samples):.2f} ms per invocation outside handlers"
        )

        timeout = 3
        environment = {"LongJob": {"SAFETY_MARGIN_MS": "500"}}
        with Engine(chain, environment=environment, timeouts={"LongJob": timeout}) as engine:
            run = engine.invoke_async("LongJob", {"n": args.n})
        final = run.invocations[-1]["result"]
        minimum = math.ceil(engine.handler_seconds / timeout)
        print(
            f"long job n={args.n}, timeout {timeout} s, SAFETY_MARGIN_MS=500: {len(run.invocations)} hops "
            f"(minimum {minimum} for {engine.handler_seconds:.2f} s in handlers), status {final.get('status')}, "
            f"result exact: {final.get('result') == args.n * (args.n - 1) * (2 * args.n - 1) // 6}"
        )


if __name__ == "__main__":
    main()
