"""Synth benchmark: the app against the provider-only floor, ``./cdktf synth`` against the app, and the scale.

    .venv/bin/python benchmarks/synth.py [--runs 5] [--baseline GIT_REF] [--eager] [--no-cli] [--no-scale]

Every figure is a fresh process tree per run (so every run pays the imports, as `cdktf synth` does),
variants run interleaved (one of each per round) so that machine load affects all of them alike.

App (``main.py``, all stacks):
- app: ``main.py`` of this checkout with an empty code-archive cache per run (the cold case: every
  archive is packaged);
- floor: an app with only the AWS provider in one stack, no resources (lazy imports);
- with ``--baseline REF``: ``main.py`` of that commit (exported with ``git archive`` to a temporary
  folder), so old and new code are measured in the same run;
- with ``--eager``: ``main.py`` with ``CDKTF_EAGER_PROVIDER_IMPORT=1`` (the provider package's own
  ``__init__`` importing all its submodules; ~20 s a run).

The CLI (unless ``--no-cli``; code archives cached, as after a user's first synth):
- ``./cdktf synth`` (the real cdktf CLI, through the project's wrapper; with ``--baseline``, that
  commit's wrapper too, on this checkout's ``node_modules`` and ``.venv``) and ``python main.py``;
- the CLI's own floor: ``./cdktf synth --app`` an app of one empty stack (same ``cdktf.json``
  otherwise), and that app run by itself. The CLI's own cost is the difference of those two; the
  project's share above it is what ``./cdktf synth`` adds to ``main.py`` beyond that cost.

Scale (unless ``--no-scale``): one stack of N First/Second pairs (``benchmarks/pairs_app.py``:
``FunctionDestination``, every other one response-only) built from ``components`` (and from
``--baseline``'s components), and the same resources written with the provider classes directly,
whose output is first checked to be byte-identical: the floor of what cdktf and jsii cost per pair.
N = 1, 8, 32, 64; the marginal cost per pair is the least-squares slope of the medians, and each
run counts the requests it sends to the jsii kernel.

Prints median/min/max wall seconds, the median CPU seconds of the whole process tree (user + system:
less sensitive to a busy machine than wall time), the Python process's peak RSS and the largest peak
RSS of any process of the run (the jsii Node.js kernel), in MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, only benchmarks/ itself is on sys.path.
sys.path.insert(0, str(ROOT))
from benchmarks.pairs_app import written_files  # noqa: E402

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
# The CLI's floor: one empty stack, no provider.
EMPTY_APP = """
from cdktf import App, TerraformStack
app = App()
TerraformStack(app, "empty")
app.synth()
"""
SCALE_PAIRS = (1, 8, 32, 64)
PROVIDER_CLASSES = "same JSON, provider classes"
MEASURE = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True);"
    "sys.stderr.write(r.stderr);"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime);"
    "sys.exit(r.returncode)"
)


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole process tree
    largest_mb: int  # largest peak RSS of any process of the run
    python_mb: int | None  # the app's Python process, where the app reports it
    messages: int | None  # jsii kernel messages, where the app counts them


@dataclass(frozen=True)
class Variant:
    """A command measured in a fresh temporary folder ``{scratch}`` per run."""

    command: tuple[str, ...]
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    cold_archives: bool = True  # an empty code-archive cache per run (else the shared, warm one)


def run_once(variant: Variant, archive_cache: Path) -> Sample:
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            **{key: value.replace("{scratch}", scratch) for key, value in variant.env.items()},
            "CDKTF_OUTDIR": str(Path(scratch) / "cdktf.out"),
            "LAMBDA_ARCHIVE_CACHE": str(Path(scratch) / "archives" if variant.cold_archives else archive_cache),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        env.pop("NODE_OPTIONS", None)
        command = [part.replace("{scratch}", scratch) for part in variant.command]
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, *command],
            cwd=variant.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} in {variant.cwd} failed:\n{result.stderr}")
    largest_kb, cpu_s = result.stdout.split()
    return Sample(
        wall,
        float(cpu_s),
        int(largest_kb) // 1024,
        int(reported) // 1024 if (reported := _reported(result.stderr, "SELF_MAXRSS_KB")) is not None else None,
        _reported(result.stderr, "KERNEL_MESSAGES"),
    )


def _reported(stderr: str, key: str) -> int | None:
    if f"{key}=" not in stderr:
        return None
    return int(stderr.rsplit(f"{key}=", 1)[1].split()[0])


def python_app(root: Path, script: str, **env: str) -> Variant:
    return Variant((sys.executable, "-c", RUNNER.format(root=str(root), script=script)), root, env)


def scale_app(root: Path, pairs: int, *flags: str) -> Variant:
    """benchmarks/pairs_app.py (of this checkout) with the components of ``root``."""
    app = ROOT / "benchmarks" / "pairs_app.py"
    return Variant((sys.executable, str(app), str(root), str(pairs), *flags), root, cold_archives=False)


def provider_classes_write_the_same(pairs: int, archive_cache: Path) -> bool:
    """Whether the provider-classes app writes byte-identical files to the components' (JSON, manifest, assets)."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {"LAMBDA_ARCHIVE_CACHE": str(archive_cache)}
        components = written_files(ROOT, pairs, outdir=Path(scratch) / "components", env=env)
        provider_classes = written_files(
            ROOT, pairs, "--provider-classes", outdir=Path(scratch) / "provider-classes", env=env
        )
        return components == provider_classes


def run_interleaved(variants: dict[str, Variant], runs: int, archive_cache: Path) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, variant in variants.items():
            samples[name].append(run_once(variant, archive_cache))
    return samples


def print_table(samples: dict[str, list[Sample]]) -> dict[str, float]:
    """Print one row per variant; return the median wall time of each."""
    print(f"{'variant':40} {'median s':>9} {'min s':>7} {'max s':>7} {'cpu s':>6} {'python MB':>10} {'largest MB':>11}")
    medians = {}
    for name, runs in samples.items():
        walls = [s.wall for s in runs]
        medians[name] = statistics.median(walls)
        python_mb = max((s.python_mb for s in runs if s.python_mb is not None), default=None)
        print(
            f"{name:40} {medians[name]:9.2f} {min(walls):7.2f} {max(walls):7.2f} "
            f"{statistics.median(s.cpu for s in runs):6.2f} {python_mb if python_mb is not None else '-':>10} "
            f"{max(s.largest_mb for s in runs):11d}"
        )
    return medians


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of ``(x, y)`` points."""
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


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
    parser.add_argument("--baseline", metavar="GIT_REF", help="also measure main.py and the scale app of this commit")
    parser.add_argument("--eager", action="store_true", help="also measure eager provider imports (slow)")
    parser.add_argument("--no-cli", dest="cli", action="store_false", help="skip ./cdktf synth and the CLI floor")
    parser.add_argument("--no-scale", dest="scale", action="store_false", help="skip the scale series")
    args = parser.parse_args()
    print(f"{args.runs} interleaved runs each, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as scratch:
        roots = {"": ROOT}
        if args.baseline:
            baseline_root = Path(scratch) / "baseline"
            roots[f" @ {export_commit(args.baseline, baseline_root)}"] = baseline_root
            # Its ./cdktf runs on this checkout's installed CLI and Python environment.
            for installed in ("node_modules", ".venv"):
                (baseline_root / installed).symlink_to(ROOT / installed)
        archive_cache = Path(scratch) / "archives"
        empty_app = Path(scratch) / "empty_app.py"
        empty_app.write_text(EMPTY_APP)

        print("\n# the app and the provider-only floor (cold code-archive cache)")
        variants = {f"app{label}": python_app(root, str(root / "main.py")) for label, root in roots.items()}
        if args.eager:
            variants["app (eager imports)"] = python_app(ROOT, str(ROOT / "main.py"), CDKTF_EAGER_PROVIDER_IMPORT="1")
        variants["floor (provider only)"] = python_app(ROOT, "floor")
        medians = print_table(run_interleaved(variants, args.runs, archive_cache))
        for name in medians:
            if name.startswith("app"):
                print(f"{name} / floor: median wall time {medians[name] / medians['floor (provider only)']:.2f}")

        if args.cli:
            print("\n# ./cdktf synth against main.py, and the CLI's own floor (warm code-archive cache)")
            run_once(python_app(ROOT, str(ROOT / "main.py")), archive_cache)  # warms the cache
            cli = {
                f"./cdktf synth{label}": Variant(
                    ("./cdktf", "synth", "--output", "{scratch}/cdktf.out"), root, cold_archives=False
                )
                for label, root in roots.items()
            }
            cli.update(
                {
                    "python main.py": Variant((sys.executable, "main.py"), cold_archives=False),
                    "./cdktf synth, empty app": Variant(
                        (
                            "./cdktf",
                            "synth",
                            "--app",
                            f"{sys.executable} {empty_app}",
                            "--output",
                            "{scratch}/cdktf.out",
                        ),
                        cold_archives=False,
                    ),
                    "python empty app": Variant((sys.executable, str(empty_app)), cold_archives=False),
                }
            )
            m = print_table(run_interleaved(cli, args.runs, archive_cache))
            cli_cost = m["./cdktf synth, empty app"] - m["python empty app"]
            print(f"the CLI's own cost (./cdktf synth of the empty app - that app alone): {cli_cost:.2f} s")
            for label in roots:
                wrapped = m[f"./cdktf synth{label}"]
                print(
                    f"./cdktf synth{label} / python main.py: {wrapped / m['python main.py']:.2f}; the project's share "
                    f"above the CLI's own cost: {wrapped - m['python main.py'] - cli_cost:+.2f} s"
                )

        if args.scale:
            print(f"\n# one stack of N First/Second pairs (N = {', '.join(map(str, SCALE_PAIRS))}; warm archive cache)")
            series: dict[str, tuple[Path, tuple[str, ...]]] = {
                f"components{label}": (root, ()) for label, root in roots.items()
            }
            series[PROVIDER_CLASSES] = (ROOT, ("--provider-classes",))
            identical = provider_classes_write_the_same(8, archive_cache)
            scale = {
                f"{pairs:2d} pairs, {name}": scale_app(root, pairs, *flags)
                for pairs in SCALE_PAIRS
                for name, (root, flags) in series.items()
            }
            samples = run_interleaved(scale, args.runs, archive_cache)
            m = print_table(samples)
            per_pair = {}
            for name in series:
                points = [(pairs, m[f"{pairs:2d} pairs, {name}"]) for pairs in SCALE_PAIRS]
                messages = [(pairs, samples[f"{pairs:2d} pairs, {name}"][0].messages or 0) for pairs in SCALE_PAIRS]
                per_pair[name] = slope(points)
                print(
                    f"{name}: {per_pair[name] * 1000:.1f} ms per added pair (least squares over the medians), "
                    f"{slope(messages):.1f} kernel messages per pair ({', '.join(f'{n}: {c}' for n, c in messages)})"
                )
            share = per_pair["components"] - per_pair[PROVIDER_CLASSES]
            print(
                f"{PROVIDER_CLASSES} wrote {'byte-identical' if identical else 'DIFFERENT'} output (8 pairs); "
                f"the components' share above it: {share * 1000:+.1f} ms per pair"
            )


if __name__ == "__main__":
    main()
