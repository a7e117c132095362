"""The tests that race a clock, run again and again while other work saturates every core.

    .venv/bin/python -m tools.stress state-safety            # the team-deployment tests, 10 runs
    .venv/bin/python -m tools.stress deadlines --runs 5      # every test with a subprocess or server deadline
    .venv/bin/python -m tools.stress -- tests/tools/test_jobs_api.py -k status   # any pytest arguments
    make stress STRESS=deadlines RUNS=5

Before the first run it starts ``--burners`` busy processes [one per core, plus one], at the tests'
own priority, and stops them however the runs end. Each run is one pytest session (``--workers``
[3] xdist workers); a run fails when pytest does, and the runs go on so that a flaky test shows how
often it fails. It prints one line per run (passed, failed, seconds, the share of the cores' time
spent busy during it, the load average at its end) and the failing tests by name, then a summary;
exit 1 if any run failed.

A failing run keeps its evidence in ``<log>-run<N>/`` (deleted when the run passes): ``pytest/``,
the session's temporary folders (each moto server's ``moto.log`` among them), and
``terraform-provider.log``, the AWS provider's debug log of every terraform the run started (each
AWS request with its ``amz-sdk-request: attempt=N``, so an SDK retry shows).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# What each preset runs and how often by default (issue 29: ten runs of the state-safety tests, five of
# every test that starts a subprocess or server with a deadline).
PRESETS: dict[str, tuple[int, tuple[str, ...]]] = {
    "state-safety": (10, ("tests/integration/test_state_safety.py",)),
    "deadlines": (
        5,
        (
            # Node.js processes, the Runtime API server and the engine's wall-clock timeouts
            "tests/local_runtime/test_node_runtime.py",
            "tests/local_runtime/test_python_runtime.py",
            "tests/local_runtime/test_foreign_stacks.py",
            "tests/local_runtime/test_aws_semantics.py",
            "tests/local_runtime/test_engine.py",
            # the package: lambda-local in subprocesses, a wheel installed into another project's venv
            "tests/local_runtime/test_cli.py",
            "tests/local_runtime/test_package.py",
            # handlers' SDK calls through the loopback endpoint, interpreters found by version, the
            # recordings' cases (Python and Node.js processes)
            "tests/local_runtime/test_sdk_calls.py",
            "tests/local_runtime/test_interpreters.py",
            "tests/conformance",
            # the local HTTP API (its server and background worker) and the command lines in subprocesses
            "tests/local_runtime/test_api.py",
            "tests/tools/test_jobs_api.py",
            "tests/tools/test_invoke_cli.py",
            "tests/tools/test_preflight.py",
            # moto servers, terraform and the cdktf CLI
            "tests/tools/test_emulator.py",
            "tests/tools/test_state.py",
            "tests/integration/test_emulator_deploy.py",
            "tests/stacks/test_cdktf_cli.py",
        ),
    ),
}


@dataclass(frozen=True)
class Run:
    passed: int
    failed: tuple[str, ...]
    skipped: int
    seconds: float
    busy: float | None  # the share of all cores' time spent busy during the run (Linux), 1.0 = saturated
    code: int

    @property
    def ok(self) -> bool:
        return self.code == 0


@contextmanager
def burners(count: int) -> Iterator[list[subprocess.Popen]]:
    """``count`` processes that keep a core busy each, for the duration of the block; always stopped."""
    started = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL) for _ in range(count)
    ]
    try:
        yield started
    finally:
        for process in started:
            process.kill()
        for process in started:
            process.wait(timeout=10)


def cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot, from /proc/stat; None where there is none."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def outcomes(junit_xml: Path) -> tuple[int, tuple[str, ...], int]:
    """(passed, failed test ids, skipped) from a pytest JUnit report."""
    passed, failed, skipped = 0, [], 0
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(name)
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, tuple(failed), skipped


def run_once(pytest_args: Sequence[str], workers: int, log: Path, evidence: Path) -> Run:
    """One pytest session; its temporary folders and the provider's debug log kept in ``evidence`` if it fails."""
    shutil.rmtree(evidence, ignore_errors=True)
    evidence.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
        command += [f"--basetemp={evidence / 'pytest'}"]
        if workers > 0:
            command += ["-n", str(workers), "--dist", "loadgroup"]
        # Terraform writes the provider's log to TF_LOG_PATH only (its output stays as the tests read it)
        env = {**os.environ, "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": str(evidence / "terraform-provider.log")}
        started, times_before = time.monotonic(), cpu_times()
        with log.open("ab") as out:
            code = subprocess.run(
                [*command, *pytest_args], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            ).returncode
        seconds, times_after = time.monotonic() - started, cpu_times()
        busy = None
        if times_before and times_after and times_after[1] > times_before[1]:
            busy = (times_after[0] - times_before[0]) / (times_after[1] - times_before[1])
        passed, failed, skipped = outcomes(report) if report.exists() else (0, (f"pytest exited {code}",), 0)
    if code == 0:
        shutil.rmtree(evidence, ignore_errors=True)
    return Run(passed, failed, skipped, seconds, busy, code)


def stress(
    pytest_args: Sequence[str], runs: int, burner_count: int, workers: int, log: Path, say: Callable[[str], None]
) -> list[Run]:
    results: list[Run] = []
    say(f"{burner_count} busy processes on {os.cpu_count()} cores; {runs} runs of pytest {' '.join(pytest_args)}")
    say(f"pytest's output: {log}")
    with burners(burner_count):
        for number in range(1, runs + 1):
            evidence = log.with_name(f"{log.stem}-run{number}")
            run = run_once(pytest_args, workers, log, evidence)
            results.append(run)
            verdict = "ok" if run.ok else f"FAILED (exit {run.code})"
            say(
                f"run {number}/{runs}: {run.passed} passed, {len(run.failed)} failed, {run.skipped} skipped, "
                f"{run.seconds:.1f} s, cores busy {'?' if run.busy is None else f'{run.busy:.0%}'}, "
                f"load {os.getloadavg()[0]:.1f}: {verdict}"
            )
            for name in run.failed:
                say(f"  failed: {name}")
            if not run.ok:
                say(f"  kept: {evidence} (the run's temporary folders, moto's logs, the provider's debug log)")
    durations = sorted(run.seconds for run in results)
    failures = Counter(name for run in results for name in run.failed)
    say(
        f"{len(results)} runs, {sum(not run.ok for run in results)} failed; "
        f"seconds min {durations[0]:.1f}, median {durations[len(durations) // 2]:.1f}, max {durations[-1]:.1f}"
    )
    for name, count in failures.most_common():
        say(f"  {name}: failed in {count} of {len(results)} runs")
    return results


def main(argv: Sequence[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.stress",
        description=__doc__.split("\n\n")[0],
        epilog="Presets: " + "; ".join(f"{name}: {' '.join(paths)}" for name, (_, paths) in PRESETS.items()),
    )
    parser.add_argument(
        "tests", nargs="+", metavar="PRESET | -- PYTEST_ARGS", help="a preset, or pytest arguments after --"
    )
    parser.add_argument("--runs", type=int, help="how many runs [the preset's: 10 state-safety, 5 deadlines; else 5]")
    parser.add_argument("--burners", type=int, default=(os.cpu_count() or 1) + 1, help="busy processes [cores + 1]")
    parser.add_argument("--workers", type=int, default=3, help="pytest-xdist workers per run, 0 for none [3]")
    parser.add_argument("--log", type=Path, help="where pytest's output goes [a file in the temporary folder]")
    args = parser.parse_args(argv)
    preset = args.tests[0] if len(args.tests) == 1 and args.tests[0] in PRESETS else None
    if preset is None and not any(arg.startswith(("tests", "-")) or "/" in arg for arg in args.tests):
        choices = ", ".join(PRESETS)
        parser.error(f"unknown preset {' '.join(args.tests)!r}; choose from {choices}, or pytest arguments after --")
    default_runs, pytest_args = PRESETS[preset] if preset else (5, tuple(args.tests))
    runs = default_runs if args.runs is None else args.runs
    if not 1 <= runs <= 100:
        parser.error(f"--runs must be between 1 and 100; got {runs}")
    if not 0 <= args.burners <= 64:
        parser.error(f"--burners must be between 0 and 64; got {args.burners}")
    if not 0 <= args.workers <= 16:
        parser.error(f"--workers must be between 0 and 16; got {args.workers}")
    log = args.log or Path(tempfile.gettempdir()) / f"stress-{preset or 'pytest'}-{os.getpid()}.log"
    results = stress(pytest_args, runs, args.burners, args.workers, log, say)
    return 0 if all(run.ok for run in results) else 1


if __name__ == "__main__":
    sys.exit(main())
