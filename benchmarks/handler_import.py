"""Cold import time of each Lambda handler module: what a cold start pays before the first event.

    .venv/bin/python benchmarks/handler_import.py [--runs 10]

Each run is a fresh interpreter importing ``functions/<name>/index.py`` (with ``-X importtime`` off,
measured by ``time.perf_counter`` around the import). Prints median/min/max milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
PROBE = (
    "import importlib.util, sys, time;"
    "spec = importlib.util.spec_from_file_location('index', sys.argv[1]);"
    "module = importlib.util.module_from_spec(spec);"
    "t = time.perf_counter(); spec.loader.exec_module(module);"
    "print((time.perf_counter() - t) * 1000)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    print(f"{runs} fresh interpreters each, Python {sys.version.split()[0]}")
    print(f"{'handler':10} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for handler in sorted(FUNCTIONS.glob("*/index.py")):
        samples = [
            float(
                subprocess.run(
                    [sys.executable, "-B", "-c", PROBE, str(handler)], capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(runs)
        ]
        print(f"{handler.parent.name:10} {statistics.median(samples):10.1f} {min(samples):8.1f} {max(samples):8.1f}")


if __name__ == "__main__":
    main()
