"""Local async engine benchmark: overhead per invocation, a fresh engine, and reads of the JSON while it runs.

    .venv/bin/python benchmarks/engine.py [--runs 5] [--hops 200] [--n 100000000] [--messages 10000]
                                          [--baseline GIT_REF]

The stacks are synthesized once (``main.build``, default settings) into a temporary folder; every
variant runs that same JSON, each run in a fresh Python process, variants interleaved per round so
machine load hits them alike. ``--baseline REF`` adds the engine of that commit (exported with
``git archive``), so old and new are measured in one run.

Each process first runs both stacks once (boto3 and the rest imported, as in a session's later runs).

1. Warm overhead: the engine's wall time minus the time inside handlers, per invocation, for
   ``self-invoking``'s LongJob with ``STEP_BUDGET=1`` over ``--hops`` chunks in one engine whose
   environment a one-hop job warmed first (each hop's own boto3 ``invoke`` counts as handler time, as
   it would on Lambda).
2. Fresh engine: ``function-destination`` First -> Second in a new engine, so archive unpacking and
   the handlers' first import are included.
3. Reads of the JSON while running: calls into the stack reader (the model's reader and expression
   evaluator; in older trees ``tools.wiring.Stack``'s resolving methods) during one ``invoke_async``
   of response-only's First, after the stack is loaded.
4. Concurrency accounting: the warm overhead of 1. with LongJob given a reserved concurrency of
   10 (trees whose model has the field), so every hop counts the executions it overlaps; an
   engine that ignores the limit (before issue 21) runs it as 1.
5. Hops: LongJob with ``n = --n``, ``--timeout 3`` and ``SAFETY_MARGIN_MS=500``: hops used, against
   the minimum ``ceil(time in handlers / 3 s)`` that a perfect hand-off would need (current tree).
6. A queue drained (each tree): ``--messages`` sent to the provider-class corpus' ``consumers``
   Work queue, consumed by its mapping (batch size 10, a partial-batch consumer): real time for
   the sends and for the drain, invocations, batch sizes, and what is left in the queue.
7. Node.js beside Python (each tree, same run): the TerraConstructs corpus' First -> Second
   (NodejsFunctions) and our function-destination First -> Second (Python). Warm: wall time per
   invocation over ``--warm`` runs in one engine, minus nothing (the handlers do microseconds of
   work, so this is the engine's overhead: for Node, the Runtime API round trips); fresh: a new
   engine per run, so each invocation starts its execution environment (a node process, or a
   Python module import).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

CHUNK = 50_000

# One measurement, in a fresh interpreter with the tree under test first on sys.path.
MEASURE = r"""
import functools, io, json, sys, time
tree, outdir, hops = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
try:
    from local_runtime.engine import Engine
    from local_runtime.model import load_stack, stack_file
    from local_runtime.model import hcl
    try:  # the model's evaluator: model/document.py since the package layout, model/reader.py before
        from local_runtime.model.document import Document as evaluator
    except ImportError:
        from local_runtime.model.reader import _Reader as evaluator
    readers = [(evaluator, None), (hcl, ("evaluate", "parse_template", "parse_expression"))]
except ImportError:
    from tools.engine import Engine
    from tools.wiring import Stack, load_stack, stack_file
    readers = [(Stack, None)]
from pathlib import Path

# Wall time per invocation outside handlers; with warm_payload, after a first run of it in the same
# engine, so that the environments are warm (a process started, its module imported).
def overhead(stack, function, payload, environment, warm_payload=None):
    with Engine(stack, environment=environment, out=io.StringIO()) as engine:
        if warm_payload is not None:
            engine.invoke_async(function, warm_payload)
        before, count = engine.handler_seconds, len(engine.run.invocations)
        started = time.perf_counter()
        run = engine.invoke_async(function, payload)
        wall = time.perf_counter() - started
    invocations = len(run.invocations) - count
    return (wall - (engine.handler_seconds - before)) * 1000 / invocations, invocations

chain = load_stack(stack_file(Path(outdir), "self-invoking"))
pair = load_stack(stack_file(Path(outdir), "function-destination"))
budget = {"LongJob": {"STEP_BUDGET": "1", "MAX_CHAIN_DEPTH": str(hops + 1)}}
# A first run of each imports boto3 and the rest once per process, as earlier runs of a session would.
overhead(chain, "LongJob", {"n": 2 * 50_000}, budget)
overhead(pair, "First", {"numbers": [1]}, {})
warm, invocations = overhead(chain, "LongJob", {"n": hops * 50_000}, budget, {"n": 50_000})
limited_ms = None
if "reserved_concurrency" in getattr(type(chain.functions["LongJob"]), "__dataclass_fields__", {}):
    import dataclasses
    functions = {**chain.functions, "LongJob": dataclasses.replace(chain.functions["LongJob"], reserved_concurrency=10)}
    limited_ms, _ = overhead(
        dataclasses.replace(chain, functions=functions), "LongJob", {"n": hops * 50_000}, budget, {"n": 50_000}
    )
fresh, _ = overhead(pair, "First", {"numbers": [1, 2, 3]}, {})

calls = []
def counted(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        calls.append(function.__name__)
        return function(*args, **kwargs)
    return wrapper
stack = load_stack(stack_file(Path(outdir), "response-only"))  # loaded before counting starts
for owner, names in readers:
    for name in names or [n for n, v in vars(owner).items() if callable(v) and not n.startswith("__")]:
        setattr(owner, name, counted(getattr(owner, name)))
with Engine(stack, out=io.StringIO()) as engine:
    engine.invoke_async("First", {"numbers": [1, 2, 3]})
print(json.dumps({"warm_ms": warm, "limited_ms": limited_ms, "invocations": invocations, "fresh_ms": fresh,
                  "reader_calls": len(calls),
                  "reader_functions": sorted(set(calls))}))
"""


def export_commit(ref: str, target: Path) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed")
    return commit


# One of this file's figures, in a fresh interpreter that imports the runtime of ``tree``.
IN_TREE = r"""
import importlib.util, json, sys
from pathlib import Path
tree, here, name, arguments = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
spec = importlib.util.spec_from_file_location("engine_benchmark", here)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.path.insert(0, tree)  # after the module's own path change: the runtime measured is the tree's
result = getattr(module, name)(*[Path(a) if isinstance(a, str) and a.startswith("/") else a for a in arguments])
print(json.dumps(result))
"""


def in_tree(tree: Path, name: str, *arguments: object) -> Any:
    """``name(*arguments)`` of this file, run against the local runtime of ``tree``."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            IN_TREE,
            str(tree),
            __file__,
            name,
            json.dumps([str(a) if isinstance(a, Path) else a for a in arguments]),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} in {tree} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(tree: Path, outdir: Path, hops: int) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tree), str(outdir), str(hops)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def hops_for_a_long_job(outdir: Path, n: int) -> str:
    from local_runtime.engine import Engine
    from local_runtime.model import load_stack, stack_file

    chain = load_stack(stack_file(outdir, "self-invoking"))
    timeout = 3
    with Engine(chain, environment={"LongJob": {"SAFETY_MARGIN_MS": "500"}}, timeouts={"LongJob": timeout}) as engine:
        run = engine.invoke_async("LongJob", {"n": n})
    final = run.invocations[-1]["result"]
    minimum = math.ceil(engine.handler_seconds / timeout)
    exact = final.get("result") == n * (n - 1) * (2 * n - 1) // 6
    return (
        f"long job n={n}, timeout {timeout} s, SAFETY_MARGIN_MS=500: {len(run.invocations)} hops "
        f"(minimum {minimum} for {engine.handler_seconds:.2f} s in handlers), status {final.get('status')}, "
        f"result exact: {exact}"
    )


def queue_drain(corpus: Path, messages: int) -> str:
    """Real seconds to send ``messages`` to the consumers stack's Work queue and drain it with its mapping."""
    import io

    from local_runtime.engine import Engine
    from local_runtime.model import load_stack, stack_file

    stack = load_stack(stack_file(corpus, "consumers"))
    with Engine(stack, out=io.StringIO()) as engine:
        engine.send_message("Work", {"n": -1})  # the consumer's environment starts before the clock does
        engine.drain()
        before = len(engine.run.invocations)
        started = time.perf_counter()
        for n in range(messages):
            engine.send_message("Work", {"n": n})
        sent = time.perf_counter() - started
        run = engine.drain()
        drained = time.perf_counter() - started - sent
    batches = [i for i in run.invocations[before:] if i["function"] == "Consumer"]
    sizes = sorted({len(i["result"]["received"]) for i in batches})
    return (
        f"queue drain: {messages} messages sent in {sent:.2f} s, drained in {drained:.2f} s of real time "
        f"({len(batches)} Consumer invocations, batch sizes {sizes}, {run.virtual_seconds:.1f} s virtual); "
        f"left in the queue: {len(run.queues.get('Work', []))}"
    )


def node_beside_python(outdir: Path, runs: int, warm_runs: int) -> list[str]:
    """Warm and fresh milliseconds per invocation, Node.js (TerraConstructs' A) beside Python (ours)."""
    import io

    from local_runtime.engine import Engine
    from local_runtime.model import load_stack, stack_file

    corpus = ROOT / "tests" / "corpus" / "terraconstructs" / "synthesized"
    stacks = {
        "Node.js": load_stack(stack_file(corpus, "A")),
        "Python": load_stack(stack_file(outdir, "function-destination")),
    }
    payload = {"numbers": [1, 2, 3]}
    lines = []
    for name, stack in stacks.items():
        fresh = []
        for _ in range(runs):
            with Engine(stack, out=io.StringIO()) as engine:
                started = time.perf_counter()
                run = engine.invoke_async("First", payload)
                fresh.append((time.perf_counter() - started) * 1000 / len(run.invocations))
        with Engine(stack, out=io.StringIO()) as engine:
            before = len(engine.invoke_async("First", payload).invocations)  # starts the environments
            started = time.perf_counter()
            for _ in range(warm_runs):
                engine.invoke_async("First", payload)
            count = len(engine.run.invocations) - before  # an engine's run holds all its invocations so far
            warm = (time.perf_counter() - started) * 1000 / count
        lines.append(
            f"{name:8} First -> Second: warm {warm:.2f} ms per invocation ({count} in one engine); "
            f"fresh environment {statistics.median(fresh):.1f} ms per invocation (median of {runs} new engines)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hops", type=int, default=200)
    parser.add_argument("--n", type=int, default=10**8)
    parser.add_argument("--baseline", metavar="GIT_REF", help="also measure the engine of this commit")
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the queue-drain figure")
    parser.add_argument("--warm", type=int, default=50, help="warm runs of First -> Second for Node.js beside Python")
    args = parser.parse_args()

    from components import provider_imports

    provider_imports.install()  # before cdktf: the jsii kernel starts lazy

    from cdktf import App

    from main import build
    from stacks import Settings

    with tempfile.TemporaryDirectory() as scratch:
        outdir = Path(scratch) / "cdktf.out"
        app = App(outdir=str(outdir))
        build(app, Settings())
        app.synth()
        variants = {"current": ROOT}
        if args.baseline:
            commit = export_commit(args.baseline, Path(scratch) / "baseline")
            variants[f"baseline {commit}"] = Path(scratch) / "baseline"
        samples: dict[str, list[dict[str, object]]] = {name: [] for name in variants}
        started = time.perf_counter()
        for _ in range(args.runs):
            for name, tree in variants.items():
                samples[name].append(measure(tree, outdir, args.hops))
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.runs} interleaved runs "
            f"({time.perf_counter() - started:.0f} s)"
        )
        for name, runs in samples.items():
            warm = statistics.median(float(str(r["warm_ms"])) for r in runs)
            limited = [float(str(r["limited_ms"])) for r in runs if r.get("limited_ms") is not None]
            fresh = statistics.median(float(str(r["fresh_ms"])) for r in runs)
            print(
                f"{name:18} warm: {warm:.3f} ms per invocation outside handlers ({runs[0]['invocations']} hops); "
                f"fresh engine First -> Second: {fresh:.2f} ms per invocation; "
                f"reader calls during one response-only run: {runs[0]['reader_calls']} "
                f"({', '.join(map(str, runs[0]['reader_functions'])) or 'none'})"  # type: ignore[call-overload]
            )
            if limited:
                print(
                    f"{name:18} warm, LongJob with reserved concurrency 10: "
                    f"{statistics.median(limited):.3f} ms per invocation outside handlers"
                )
        print(hops_for_a_long_job(outdir, args.n))
        from tests.corpus.make import synthesize_provider_classes

        corpus = synthesize_provider_classes(Path(scratch) / "provider-classes")
        for name, tree in variants.items():
            print(f"{name}: {in_tree(tree, 'queue_drain', corpus, args.messages)}")
        for name, tree in variants.items():
            for line in in_tree(tree, "node_beside_python", outdir, args.runs, args.warm):
                print(f"{name}: {line}")


if __name__ == "__main__":
    main()
