"""Synth benchmark: wall time and peak memory of synthesizing the app against the provider-only floor.

    .venv/bin/python benchmarks/synth.py [--runs 5] [--baseline GIT_REF] [--eager]

Variants, each a fresh Python process per run (so every run pays the imports, as `cdktf synth` does),
run interleaved (one of each per round) so that machine load affects all of them alike:
- app: ``main.py`` of this checkout, all stacks, with an empty code-archive cache per run (the
  cold case: every archive is packaged);
- floor: an app with only the AWS provider in one stack, no resources (lazy imports);
- with ``--baseline REF``: ``main.py`` of that commit (exported with ``git archive`` to a temporary
  folder), so old and new code are measured in the same run;
- with ``--eager``: ``main.py`` with ``CDKTF_EAGER_PROVIDER_IMPORT=1`` (the provider package's own
  ``__init__`` importing all its submodules; ~20 s a run).
Prints median/min/max wall seconds, the median CPU seconds of the whole process tree (user + system:
less sensitive to a busy machine than wall time), the Python process's peak RSS and the largest peak
RSS of any process of the run (the jsii Node.js kernel), in MB, and each app's medians over the floor's.
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
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime);"
    "sys.exit(r.returncode)"
)


def run_once(root: Path, script: str, extra_env: dict[str, str]) -> tuple[float, int, int, float]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            **extra_env,
            "CDKTF_OUTDIR": str(Path(scratch) / "cdktf.out"),
            "LAMBDA_ARCHIVE_CACHE": str(Path(scratch) / "archives"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        env.pop("NODE_OPTIONS", None)
        code = RUNNER.format(root=str(root), script=script)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, sys.executable, "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"synth of {root} failed:\n{result.stderr}")
    self_kb = int(result.stderr.rsplit("SELF_MAXRSS_KB=", 1)[1].split()[0])
    largest_kb, cpu_s = result.stdout.split()
    return wall, self_kb // 1024, int(largest_kb) // 1024, float(cpu_s)


def export_commit(ref: str, target: Path) -> str:
    """Write the tree of ``ref`` to ``target``; return its short commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed")
    return commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="GIT_REF", help="also measure main.py of this commit")
    parser.add_argument("--eager", action="store_true", help="also measure eager provider imports (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        variants: dict[str, tuple[Path, str, dict[str, str]]] = {"app": (ROOT, str(ROOT / "main.py"), {})}
        if args.baseline:
            baseline_root = Path(scratch) / "baseline"
            commit = export_commit(args.baseline, baseline_root)
            variants[f"app @ {commit}"] = (baseline_root, str(baseline_root / "main.py"), {})
        if args.eager:
            variants["app (eager imports)"] = (ROOT, str(ROOT / "main.py"), {"CDKTF_EAGER_PROVIDER_IMPORT": "1"})
        variants["floor (provider only)"] = (ROOT, "floor", {})

        samples: dict[str, list[tuple[float, int, int, float]]] = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, (root, script, env) in variants.items():
                samples[name].append(run_once(root, script, env))

    print(f"{args.runs} interleaved runs each, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'variant':24} {'median s':>9} {'min s':>7} {'max s':>7} {'cpu s':>6} {'python MB':>10} {'largest MB':>11}")
    medians, cpu = {}, {}
    for name, runs in samples.items():
        walls = [s[0] for s in runs]
        medians[name], cpu[name] = statistics.median(walls), statistics.median(s[3] for s in runs)
        print(
            f"{name:24} {medians[name]:9.2f} {min(walls):7.2f} {max(walls):7.2f} {cpu[name]:6.2f} "
            f"{max(s[1] for s in runs):10d} {max(s[2] for s in runs):11d}"
        )
    floor = "floor (provider only)"
    for name in medians:
        if name.startswith("app"):
            print(
                f"{name} / floor: median wall time {medians[name] / medians[floor]:.2f}, "
                f"median CPU time {cpu[name] / cpu[floor]:.2f}"
            )


if __name__ == "__main__":
    main()
