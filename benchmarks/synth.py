"""Synth benchmark: wall time and peak memory of synthesizing the app, N runs each.

    pipenv run python benchmarks/synth.py [--runs 5]

Variants, each a fresh Python process per run (so every run pays the imports, as `cdktf synth` does):
- app (lazy imports): ``main.py`` as shipped (components.provider_imports active);
- app (eager imports): ``main.py`` with ``CDKTF_EAGER_PROVIDER_IMPORT=1``: the provider package's
  own ``__init__`` importing all its submodules;
- floor: an app with only the AWS provider in one stack, no resources (lazy imports).
Prints median/min/max wall seconds, the Python process's peak RSS and the largest peak RSS of any
process of the run (the jsii Node.js kernel), in MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = """
import resource, runpy, sys
sys.path.insert(0, {root!r})
sys.argv = [{script!r}]
if {script!r} == "floor":
    from components import provider_imports
    provider_imports.install()
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.provider import AwsProvider
    app = App()
    AwsProvider(TerraformStack(app, "floor"), "aws", region="us-east-1")
    app.synth()
else:
    runpy.run_path({script!r}, run_name="__main__")
sys.stderr.write(f"SELF_MAXRSS_KB={{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}\\n")
"""
MEASURE = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True);"
    "sys.stderr.write(r.stderr);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
    "sys.exit(r.returncode)"
)
VARIANTS = {
    "app (lazy imports)": (str(ROOT / "main.py"), {}),
    "app (eager imports)": (str(ROOT / "main.py"), {"CDKTF_EAGER_PROVIDER_IMPORT": "1"}),
    "floor (provider only)": ("floor", {}),
}


def run_once(script: str, extra_env: dict[str, str]) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, **extra_env, "CDKTF_OUTDIR": outdir, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
        code = RUNNER.format(root=str(ROOT), script=script)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, sys.executable, "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"synth failed:\n{result.stderr}")
    self_kb = int(result.stderr.rsplit("SELF_MAXRSS_KB=", 1)[1].split()[0])
    return wall, self_kb // 1024, int(result.stdout.strip()) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{runs} runs each, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'variant':24} {'median s':>9} {'min s':>7} {'max s':>7} {'python MB':>10} {'largest MB':>11}")
    medians = {}
    for name, (script, env) in VARIANTS.items():
        samples = [run_once(script, env) for _ in range(runs)]
        walls = [s[0] for s in samples]
        medians[name] = statistics.median(walls)
        print(f"{name:24} {medians[name]:9.2f} {min(walls):7.2f} {max(walls):7.2f} "
              f"{max(s[1] for s in samples):10d} {max(s[2] for s in samples):11d}")
    ratio = medians["app (lazy imports)"] / medians["app (eager imports)"]
    print(f"lazy / eager median wall time: {ratio:.2f}")


if __name__ == "__main__":
    main()
