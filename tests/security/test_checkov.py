"""checkov over the synthesized stacks: no failed check without a reason in security/suppressions.py."""

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from security.suppressions import SUPPRESSIONS

pytestmark = pytest.mark.slow

CHECKOV = Path(__file__).resolve().parents[2] / "security" / ".venv" / "bin" / "checkov"


def resource_type(synthesized_app, check):
    """checkov names cdktf resources ``resource.<logical id>``: look the type up in the stack file."""
    document = json.loads((synthesized_app / "stacks" / check["file_path"].strip("/")).read_text())
    logical_id = check["resource"].split(".", 1)[1]
    (type_,) = [t for t, items in document["resource"].items() if logical_id in items]
    return type_


def scan(stacks, folder):
    """checkov's JSON report of ``stacks``, written to ``folder``/report.json."""
    completed = subprocess.run(
        [str(CHECKOV), "-d", str(stacks), "--framework", "terraform_json", "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode in (0, 1), completed.stderr
    (folder / "report.json").write_text(completed.stdout)


@pytest.fixture(scope="module")
def results(synthesized_app, once_per_run):
    if not CHECKOV.exists():
        pytest.skip("checkov is not installed: `make test` installs it into security/.venv")
    # Once per run: the scan takes ~15 s of CPU, and test workers would each run it otherwise.
    folder = once_per_run("checkov", lambda folder: scan(synthesized_app / "stacks", folder))
    report = json.loads((folder / "report.json").read_text())
    results = (report[0] if isinstance(report, list) else report)["results"]
    failed = Counter((c["check_id"], resource_type(synthesized_app, c)) for c in results["failed_checks"])
    print(
        f"\ncheckov: {len(results['passed_checks'])} passed, {sum(failed.values())} failed (all suppressed with a reason)"
    )
    for key, count in sorted(failed.items()):
        print(f"  {key[0]} on {key[1]} x{count}: {SUPPRESSIONS.get(key, 'NOT SUPPRESSED')}")
    return results, failed


def test_every_failed_check_is_suppressed_with_a_reason(results):
    _, failed = results
    unexplained = sorted(key for key in failed if key not in SUPPRESSIONS)
    assert unexplained == [], (
        f"new checkov findings: fix them, or add them to security/suppressions.py with a reason: {unexplained}"
    )


def test_no_suppression_is_stale(results):
    _, failed = results
    assert sorted(key for key in SUPPRESSIONS if key not in failed) == []


def test_every_reason_is_one_line(results):
    assert all(reason and "\n" not in reason and len(reason) <= 120 for reason in SUPPRESSIONS.values())


def test_checks_did_run(results):
    assert len(results[0]["passed_checks"]) > 100
