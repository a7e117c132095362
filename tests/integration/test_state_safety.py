"""Team deployments on the emulator: shared S3 state with a lock file, concurrent and interrupted deploys, drift.

Each test has its own moto server and state bucket (created as ``tools/emulator.py`` creates it:
versioned, conditional writes checked) and the backend real deployments get (``TF_STATE_BUCKET``:
stacks/base.py). Two "checkouts" are two synthesized folders of the same settings. Kills are real
signals to the real terraform process, sent when its output shows the point named (a resource's
``Creating...`` line), never after a guessed sleep. Assertions read the state objects in the bucket
and list every resource of the stack on the emulator with boto3.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
from cdktf import App

from local_runtime.loopback import Handler, LoopbackServer
from main import STACKS
from stacks import Settings
from tests.support import run_terraform
from tools.emulator import REGION, client_environment, ensure_state_bucket, moto_server
from tools.state import main as state_main

pytestmark = pytest.mark.emulator
BUCKET = "lambda-async-state"
PREFIX = "lambda-async-dev"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMINGS: dict[str, float] = {}


class World:
    """A moto server with the state bucket, and the checkouts deploying to it."""

    def __init__(self, endpoint, workdir, gate=None):
        self.endpoint, self.workdir, self.gate = endpoint, workdir, gate
        self.env = {**client_environment(endpoint), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        self.client = lambda service: session.client(service, endpoint_url=endpoint)

    def checkout(self, name, stack):
        """The stack synthesized for this emulator and the state bucket into ``<workdir>/<name>/cdktf.out``."""
        outdir = self.workdir / name / "cdktf.out"
        outdir.parent.mkdir(parents=True)
        app = App(outdir=str(outdir))
        settings = Settings(emulator_endpoint=self.endpoint, state_bucket=BUCKET, recursion_config=False)
        STACKS[stack](app, stack, settings=settings)
        app.synth()
        folder = outdir / "stacks" / stack
        self.terraform(folder, "init", "-input=false")
        return folder

    def terraform(self, folder, *args, ok_codes=(0,)):
        return run_terraform(folder, *args, env=self.env, ok_codes=ok_codes, timeout=240)

    def start_apply(self, folder, *extra):
        return subprocess.Popen(
            ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", *extra],
            cwd=folder,
            env={**self.env, "GOGC": "800", "GOMAXPROCS": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wrapper(self, verb, stack, checkout, **env):
        """``python -m tools.emulator VERB STACK`` (./cdktf, the real cdktf CLI) from another work folder."""
        process = self.start_wrapper(verb, stack, checkout, **env)
        try:
            stdout, _ = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, "")

    def start_wrapper(self, verb, stack, checkout, **env):
        """The wrapper started in a process group of its own (a terminal's job), its output a pipe."""
        environment = {
            **os.environ,
            "EMULATOR_PORT": self.endpoint.rsplit(":", 1)[1],
            "EMULATOR_DIR": str(self.workdir / checkout),
            "TF_STATE_BUCKET": BUCKET,
            "GOGC": "800",
            "GOMAXPROCS": "1",
            **env,
        }
        return subprocess.Popen(
            [sys.executable, "-u", "-m", "tools.emulator", verb, stack],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            # A terminal's job takes Ctrl-C; pytest-xdist's workers ignore SIGINT, which children inherit.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

    def state_tool(self, *args, outdir):
        lines: list[str] = []
        saved = dict(os.environ)
        os.environ.update({"EMULATOR_ENDPOINT": self.endpoint, "GOGC": "800", "GOMAXPROCS": "1"})
        try:
            code = state_main(["--emulator", "--outdir", str(outdir), *args], say=lines.append)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return code, lines

    def state_key(self, stack):
        return f"lambda-async/dev/{stack}.tfstate"

    def state(self, stack, version_id=None):
        extra = {"VersionId": version_id} if version_id else {}
        body = self.client("s3").get_object(Bucket=BUCKET, Key=self.state_key(stack), **extra)["Body"].read()
        return json.loads(body)

    def has_state(self, stack):
        listed = self.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=self.state_key(stack)).get("Contents", [])
        return any(o["Key"] == self.state_key(stack) for o in listed)

    def lock(self, stack):
        s3 = self.client("s3")
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{self.state_key(stack)}.tflock").get("Contents", [])
        if not listed:
            return None
        return json.loads(s3.get_object(Bucket=BUCKET, Key=f"{self.state_key(stack)}.tflock")["Body"].read())

    def versions(self, stack):
        """(version id, state) of every version of the state object, oldest first.

        S3 lists a key's versions newest first (LastModified has whole seconds: applies tie).
        """
        listed = self.client("s3").list_object_versions(Bucket=BUCKET, Prefix=self.state_key(stack))
        found = [v for v in listed.get("Versions", []) if v["Key"] == self.state_key(stack)]
        return [(v["VersionId"], self.state(stack, v["VersionId"])) for v in reversed(found)]

    def inventory(self, stack):
        """Every resource of the stack on the emulator, by kind: what a destroy must leave empty."""
        mine = f"{PREFIX}-{stack}-"
        functions = [f["FunctionName"] for f in self.client("lambda").list_functions()["Functions"]]
        return {
            "functions": sorted(n for n in functions if n.startswith(mine)),
            "roles": sorted(
                r["RoleName"] for r in self.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(mine)
            ),
            "log groups": sorted(
                g["logGroupName"]
                for g in self.client("logs").describe_log_groups()["logGroups"]
                if g["logGroupName"].startswith(f"/aws/lambda/{mine}")
            ),
            "queues": sorted(u for u in self.client("sqs").list_queues().get("QueueUrls", []) if mine in u),
            "rules": sorted(
                r["Name"] for r in self.client("events").list_rules()["Rules"] if r["Name"].startswith(mine)
            ),
        }


@pytest.fixture
def world(tmp_path):
    """A moto server of this test's own, with the state bucket; stopped however the test ends."""
    with moto_server(tmp_path / "moto.log") as endpoint:
        ensure_state_bucket(endpoint, BUCKET)
        yield World(endpoint, tmp_path)


class LockGate(LoopbackServer):
    """The emulator behind a proxy that, once closed, holds its answer to each request of Terraform's for a
    state lock file until ``open()`` (at most ``HELD_AT_MOST_S``): a state backend slow to answer, as a
    loaded machine or a far region makes it, for exactly as long as a test needs. Each request reaches
    the emulator at once; ``answered`` lists, in order, Terraform's lock requests answered after the gate
    was closed. Other clients (the wrappers' lock checks, the test's) pass as before."""

    HELD_AT_MOST_S = 60

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.closed, self.opened = threading.Event(), threading.Event()
        self.answered: list[str] = []
        gate = self

        class Relay(Handler):
            def relay(self) -> None:
                connection = http.client.HTTPConnection(gate.upstream, timeout=30)
                # The Host header goes as it came: moto writes it into the queue URLs it returns.
                connection.request(self.command, self.path, body=self.body() or None, headers=dict(self.headers))
                response = connection.getresponse()
                answer = response.read()
                terraform = "Terraform/" in self.headers.get("User-Agent", "")
                if terraform and ".tflock" in self.path and gate.closed.is_set():
                    gate.opened.wait(gate.HELD_AT_MOST_S)
                    gate.answered.append(f"{self.command} {response.status}")
                skipped = ("content-length", "transfer-encoding", "connection")
                self.reply(
                    response.status, answer, {k: v for k, v in response.getheaders() if k.lower() not in skipped}
                )

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay

        super().__init__(Relay)

    def close_gate(self) -> None:
        self.closed.set()

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gated_world(tmp_path):
    """``world`` seen through a LockGate (``world.gate``); the gate and the server stopped however the test ends."""
    with moto_server(tmp_path / "moto.log") as endpoint:
        ensure_state_bucket(endpoint, BUCKET)
        gate = LockGate(endpoint)
        try:
            yield World(f"http://{gate.address}", tmp_path, gate)
        finally:
            gate.open()
            gate.close()


def terraform_processes_in(folder):
    """pid -> command line of the terraform processes running in ``folder`` or below (Linux /proc)."""
    found = {}
    for process in Path("/proc").glob("[0-9]*"):
        try:
            command = (process / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(process / "cwd"))
        except OSError:
            continue
        if command[0].endswith(b"terraform") and cwd.is_relative_to(folder):
            found[int(process.name)] = b" ".join(command).decode(errors="replace").strip()
    return found


def managed(state):
    return [r for r in state["resources"] if r["mode"] == "managed"]


# The cdktf CLI (with --no-color, as tools/emulator.py runs it) annotates a resource address with its
# construct path, "aws_sqs_queue.Queue (Queue): Creating..."; terraform's own output does not. The
# markers name the address as terraform does, and are looked for in lines without the annotation.
CONSTRUCT_PATH = re.compile(r"(\b(?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_]+) \([^()]*\)")


def plain(text):
    """``text`` without the construct paths the cdktf CLI adds after resource addresses."""
    return CONSTRUCT_PATH.sub(r"\1", text)


def read_until(process, *markers, seen):
    """Lines of ``process`` until each of ``markers`` was in one (the observed point a test acts on)."""
    waiting = set(markers)
    for line in process.stdout:
        seen.append(line)
        waiting = {marker for marker in waiting if marker not in plain(line)}
        if not waiting:
            return
    raise AssertionError(f"terraform ended before {sorted(waiting)}:\n{''.join(seen)[-3000:]}")


SQS_STACK = "sqs-destination"
ROLE = "aws_iam_role.First_ServiceRole_C2E45CDF"
# What the sqs-destination apply creates while the provider waits ~25 s for the queue.
CREATED_FIRST = tuple(
    f"{address}: Creation complete"
    for address in (ROLE, "aws_cloudwatch_log_group.First_LogGroup_BC718EB8", "aws_lambda_function.First_8D4707F1")
)
SQS_INVENTORY = {
    "functions": [f"{PREFIX}-{SQS_STACK}-First"],
    "roles": [f"{PREFIX}-{SQS_STACK}-First-role"],
    "log groups": [f"/aws/lambda/{PREFIX}-{SQS_STACK}-First"],
    "queues": [f"{{endpoint}}/123456789012/{PREFIX}-{SQS_STACK}-Queue"],
    "rules": [],
}
EMPTY: dict[str, list[str]] = {"functions": [], "roles": [], "log groups": [], "queues": [], "rules": []}


def sqs_inventory(world):
    return {**SQS_INVENTORY, "queues": [q.format(endpoint=world.endpoint) for q in SQS_INVENTORY["queues"]]}


def converged(world, folder, stack):
    """A refreshing plan finds nothing to change."""
    result = world.terraform(folder, "plan", "-detailed-exitcode", "-input=false", ok_codes=(0, 1, 2))
    assert result.returncode == 0, f"plan must show no change:\n{result.stdout[-3000:]}{result.stderr[-2000:]}"


# --- the bucket and the backend ----------------------------------------------------------------------


def test_the_state_bucket_is_versioned_and_refuses_a_second_conditional_write(world):
    s3 = world.client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert s3.list_object_versions(Bucket=BUCKET).get("Versions", []) == []  # the probe left nothing
    # AND a second creation of the bucket is a no-op
    assert ensure_state_bucket(world.endpoint, BUCKET) is False


# --- two deploys at once -------------------------------------------------------------------------------


def test_concurrent_deploys_one_applies_one_stops_naming_the_holder_one_waits(world):
    first, second = world.checkout("laptop", SQS_STACK), world.checkout("ci", SQS_STACK)
    # GIVEN the laptop's deploy holding the lock (from its first "Creating..." on), paused there with
    # SIGSTOP so that it holds it for as long as the test needs, however loaded the machine is
    seen: list[str] = []
    waited: list[str] = []
    applying, waiting = world.start_apply(first), None
    try:
        read_until(applying, "Creating...", seen=seen)
        holder = world.lock(SQS_STACK)
        assert holder is not None and holder["Operation"] == "OperationTypeApply"
        os.kill(applying.pid, signal.SIGSTOP)
        try:
            # WHEN CI deploys the same stack through the wrapper without waiting (TF_LOCK_TIMEOUT=0s)
            refused = world.wrapper("deploy", SQS_STACK, "ci-wrapper", TF_LOCK_TIMEOUT="0s")
            # AND another deploy starts that may wait for the lock (-lock-timeout=3m)
            waiting = world.start_apply(second, "-lock-timeout=3m")
            read_until(waiting, "Acquiring state lock. This may take a few moments...", seen=waited)
            assert world.lock(SQS_STACK)["ID"] == holder["ID"]
        finally:
            os.kill(applying.pid, signal.SIGCONT)
        waited_from = time.monotonic()
        rest = applying.communicate(timeout=180)[0]
        assert applying.returncode == 0, "".join(seen) + rest
        waited.append(waiting.communicate(timeout=180)[0])
        TIMINGS["waiting deploy, from the lock's release to its end"] = time.monotonic() - waited_from
    finally:
        for process in (applying, waiting):
            if process is not None and process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                process.kill()
    # THEN the wrapper stopped, exit non-zero, with Terraform's lock error, the holder and the command
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1 and "Traceback" not in output
    assert "Error acquiring the state lock" in output
    assert f"ID:        {holder['ID']}" in output
    assert f"lock {holder['ID']}, held by {holder['Who']}" in output
    assert f"make recover-local STACK={SQS_STACK} LOCK_ID={holder['ID']}" in output
    # AND its synthesized backend is the real one (path-style addressing added for the emulator)
    document = json.loads((world.workdir / f"ci-wrapper/cdktf.out/stacks/{SQS_STACK}/cdk.tf.json").read_text())
    assert document["terraform"]["backend"] == {
        "s3": {
            "bucket": BUCKET,
            "key": f"lambda-async/dev/{SQS_STACK}.tfstate",
            "region": REGION,
            "encrypt": True,
            "use_lockfile": True,
            "use_path_style": True,
        }
    }
    # AND the waiting deploy ran after the laptop's: nothing left to do
    assert waiting.returncode == 0, "".join(waited)
    assert "No changes. Your infrastructure matches the configuration." in "".join(waited)
    # AND the state: no lock left, one lineage, serials that only grew, every resource; nothing to change
    assert world.lock(SQS_STACK) is None
    history = world.versions(SQS_STACK)
    assert len({state["lineage"] for _, state in history}) == 1
    serials = [state["serial"] for _, state in history]
    assert serials == sorted(serials) and len(serials) >= 2
    assert len(managed(history[-1][1])) == 6
    converged(world, second, SQS_STACK)
    assert world.inventory(SQS_STACK) == sqs_inventory(world)


# --- interrupted deploys ------------------------------------------------------------------------------


def test_a_deploy_interrupted_with_ctrl_c_saves_its_state_and_the_next_converges(gated_world):
    world = gated_world
    # GIVEN make deploy-local's tool deploying, in a process group of its own as a terminal's job is,
    # to a state backend that, from the interrupt on, answers the lock's requests only when the test lets
    # it (the cdktf CLI exits at once on Ctrl-C: a terraform still releasing its lock must outlive it,
    # and be waited for)
    seen: list[str] = []
    deploying = world.start_wrapper("deploy", SQS_STACK, "laptop")
    try:
        # WHEN Ctrl-C (SIGINT to the job's process group) comes while the provider waits for the new queue,
        # after every other resource was created (an interrupt during a create call can leave that one
        # created and unrecorded: the provider cancels the request after AWS acted on it; docs/deploy.md)
        read_until(deploying, "aws_sqs_queue.Queue: Creating...", *CREATED_FIRST, seen=seen)
        world.gate.close_gate()
        os.killpg(deploying.pid, signal.SIGINT)
        # AND the backend answers the unlock only once the CLI has exited and the wrapper waits for terraform
        read_until(deploying, "waiting for terraform (pid ", seen=seen)
        world.gate.open()
        seen.append(deploying.communicate(timeout=120)[0])
    finally:
        if deploying.poll() is None:
            os.killpg(deploying.pid, signal.SIGKILL)
    # THEN the CLI passed it to terraform, the wrappers waited for terraform, and said so, without a traceback
    output = "".join(seen)
    assert deploying.returncode == 1 and "Traceback" not in output, output[-4000:]
    assert "interrupted: waiting for terraform to save the state and release its lock" in output
    assert "interrupted: terraform saved what it had done and released its lock" in output
    assert "cdktf deploy was interrupted; run it again to converge" in output
    assert terraform_processes_in(world.workdir / "laptop") == {}
    # AND terraform stopped gracefully: its lock read and deleted, however slowly the backend answered,
    # the state saved with what it had created, and the queue whose wait was cut short saved as tainted
    assert world.gate.answered[:2] == ["GET 200", "DELETE 204"], output[-4000:]
    assert world.lock(SQS_STACK) is None
    saved = {r["type"]: r["instances"][0].get("status") for r in managed(world.state(SQS_STACK))}
    assert saved == {
        "aws_iam_role": None,
        "aws_cloudwatch_log_group": None,
        "aws_lambda_function": None,
        "aws_sqs_queue": "tainted",
    }
    # AND the next deploy converges: the tainted queue replaced, nothing failing as existing, no lock
    # left, one of each resource
    started = time.monotonic()
    again = world.wrapper("deploy", SQS_STACK, "laptop")
    TIMINGS["deploy after Ctrl-C (wrapper)"] = time.monotonic() - started
    output = again.stdout + again.stderr
    assert again.returncode == 0, output[-4000:]
    assert "aws_sqs_queue.Queue: Destroying..." in plain(output) and "already exists" not in output
    assert world.lock(SQS_STACK) is None
    converged(world, world.workdir / f"laptop/cdktf.out/stacks/{SQS_STACK}", SQS_STACK)
    assert world.inventory(SQS_STACK) == sqs_inventory(world)


def test_a_second_ctrl_c_stops_terraform_at_once_and_the_wrapper_names_the_lock_it_left(gated_world):
    world = gated_world
    # GIVEN a deploy interrupted with Ctrl-C, its terraform waiting for the backend's answer to the lock's
    # read, the wrapper waiting for terraform
    seen: list[str] = []
    deploying = world.start_wrapper("deploy", SQS_STACK, "laptop")
    try:
        read_until(deploying, "aws_sqs_queue.Queue: Creating...", *CREATED_FIRST, seen=seen)
        world.gate.close_gate()
        os.killpg(deploying.pid, signal.SIGINT)
        read_until(deploying, "waiting for terraform (pid ", seen=seen)
        # WHEN a second Ctrl-C comes while the wrapper waits
        os.killpg(deploying.pid, signal.SIGINT)
        seen.append(deploying.communicate(timeout=120)[0])
    finally:
        if deploying.poll() is None:
            os.killpg(deploying.pid, signal.SIGKILL)
    # THEN terraform stopped at once and its lock is still held
    output = "".join(seen)
    lock = world.lock(SQS_STACK)
    assert lock is not None and lock["Operation"] == "OperationTypeApply", output[-4000:]
    assert terraform_processes_in(world.workdir / "laptop") == {}
    # AND the wrappers say so, with the lock's ID and the exact commands that release it, without a traceback
    assert deploying.returncode == 1 and "Traceback" not in output
    assert "interrupted: terraform did not release the state lock above" in output
    assert f"lock {lock['ID']}, held by {lock['Who']}" in output
    assert f"make recover-local STACK={SQS_STACK} LOCK_ID={lock['ID']}" in output
    assert f"terraform force-unlock -force {lock['ID']}, in " in output
    assert "cdktf deploy was interrupted and left a state lock: release it as shown above" in output
    assert "run it again to converge" not in output


def killed_while_creating(world):
    """A deploy of sqs-destination killed (SIGKILL) while the provider waits for the queue, everything else
    created; returns (its folder, its lock, the addresses created but in no state)."""
    folder = world.checkout("laptop", SQS_STACK)
    seen: list[str] = []
    applying = world.start_apply(folder)
    try:
        read_until(applying, "aws_sqs_queue.Queue: Creating...", *CREATED_FIRST, seen=seen)
        applying.send_signal(signal.SIGKILL)
        applying.wait(timeout=30)
    finally:
        if applying.poll() is None:
            applying.kill()
    assert applying.returncode == -signal.SIGKILL
    lock = world.lock(SQS_STACK)
    # Terraform saves 20 s after an apply's first change: on a loaded machine the first resources may be saved
    saved = set()
    if world.has_state(SQS_STACK):
        saved = {f"{r['type']}.{r['name']}" for r in managed(world.state(SQS_STACK))}
    lost = ({address.split(":")[0] for address in CREATED_FIRST} | {"aws_sqs_queue.Queue"}) - saved
    return folder, lock, lost


def test_a_deploy_killed_with_sigkill_leaves_its_lock_and_the_wrapper_names_the_recovery(world):
    # WHEN terraform is killed mid-apply (a CI timeout, a lost laptop)
    folder, lock, lost = killed_while_creating(world)
    # THEN its lock is left, and what it created is on the emulator, the queue at least in no state
    assert lock is not None and lock["Operation"] == "OperationTypeApply"
    assert world.inventory(SQS_STACK) == sqs_inventory(world)
    assert "aws_sqs_queue.Queue" in lost
    # AND the next deploy through the wrapper stops, naming the lock and the exact recovery commands
    refused = world.wrapper("deploy", SQS_STACK, "wrapper", TF_LOCK_TIMEOUT="0s")
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1 and "Traceback" not in output
    assert f"lock {lock['ID']}, held by {lock['Who']}" in output
    assert f"make recover-local STACK={SQS_STACK} LOCK_ID={lock['ID']}" in output
    assert f"terraform force-unlock -force {lock['ID']}, in " in output
    # AND a recovery without that id, or with another, releases nothing
    outdir = folder.parent.parent
    assert world.state_tool("recover", SQS_STACK, outdir=outdir)[0] == 1
    assert world.state_tool("unlock", SQS_STACK, "not-" + lock["ID"], outdir=outdir)[0] == 1
    assert world.lock(SQS_STACK)["ID"] == lock["ID"]


def test_the_recovery_of_a_killed_deploy_adopts_each_orphan_and_the_next_deploy_converges(world):
    folder, lock, lost = killed_while_creating(world)
    # WHEN the recovery runs with the killed run's lock id
    started = time.monotonic()
    code, lines = world.state_tool("recover", SQS_STACK, "--lock-id", lock["ID"], outdir=folder.parent.parent)
    TIMINGS["recover (unlock + adopt)"] = time.monotonic() - started
    # THEN the lock is released and every orphan adopted
    assert code == 0, lines
    assert world.lock(SQS_STACK) is None
    adopted = sorted(line.split(" <- ")[0].removeprefix("adopted ") for line in lines if line.startswith("adopted "))
    assert adopted == sorted(lost)
    # AND the next deploy converges: no EntityAlreadyExists, no ResourceConflictException, one of each
    started = time.monotonic()
    again = world.terraform(folder, "apply", "-auto-approve", "-input=false")
    TIMINGS["deploy after recovery"] = time.monotonic() - started
    for error in ("EntityAlreadyExists", "ResourceConflictException", "ResourceAlreadyExists", "already exists"):
        assert error not in again.stdout + again.stderr
    converged(world, folder, SQS_STACK)
    assert world.inventory(SQS_STACK) == sqs_inventory(world)
    # AND a destroy leaves no orphan on the emulator
    world.terraform(folder, "destroy", "-auto-approve", "-input=false", "-refresh=false")
    assert world.inventory(SQS_STACK) == EMPTY


# --- drift and previous versions -----------------------------------------------------------------------


def test_drift_is_reported_by_a_refreshing_plan_and_put_back_by_the_next_deploy(world):
    folder = world.checkout("laptop", "function-destination")
    world.terraform(folder, "apply", "-auto-approve", "-input=false")
    role = f"{PREFIX}-function-destination-First-role"
    iam = world.client("iam")
    applied = iam.get_role_policy(RoleName=role, PolicyName="default")["PolicyDocument"]
    # WHEN someone edits the role policy and the log retention in the console (here: boto3)
    widened = {**applied, "Statement": [*applied["Statement"], {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=role, PolicyName="default", PolicyDocument=json.dumps(widened))
    log_group = f"/aws/lambda/{PREFIX}-function-destination-First"
    world.client("logs").put_retention_policy(logGroupName=log_group, retentionInDays=1)
    # THEN a refreshing plan exits 2, naming each changed attribute
    plan = world.terraform(folder, "plan", "-detailed-exitcode", "-input=false", ok_codes=(2,))
    assert "aws_iam_role_policy.First_DefaultPolicy_39B1E34A will be updated in-place" in plan.stdout
    assert '- Action   = "s3:*"' in plan.stdout
    assert "retention_in_days = 1 -> 14" in plan.stdout
    # AND the next deploy puts both back
    world.terraform(folder, "apply", "-auto-approve", "-input=false")
    assert iam.get_role_policy(RoleName=role, PolicyName="default")["PolicyDocument"] == applied
    (group,) = world.client("logs").describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert group["retentionInDays"] == 14
    # AND every apply left the previous state version retrievable: one lineage, each serial higher
    history = world.versions("function-destination")
    assert len({state["lineage"] for _, state in history}) == 1
    assert [state["serial"] for _, state in history] == sorted({state["serial"] for _, state in history})
    (previous_id, previous), (_, current) = history[-2], history[-1]
    assert previous["serial"] < current["serial"] and len(managed(previous)) == 9
    # AND the state tool lists them and rolls back to the previous one
    code, listed = world.state_tool("versions", "function-destination", outdir=folder.parent.parent)
    assert code == 0 and listed[0].endswith("(current)") and any(line.startswith(previous_id) for line in listed)
    code, said = world.state_tool("restore", "function-destination", previous_id, outdir=folder.parent.parent)
    assert code == 0, said
    restored = world.state("function-destination")
    assert restored["lineage"] == current["lineage"] and restored["resources"] == previous["resources"]
    # (and the resources, put back, match it: nothing to change)
    converged(world, folder, "function-destination")


@pytest.fixture(scope="module", autouse=True)
def report_timings():
    yield
    for what, seconds in TIMINGS.items():
        print(f"\n{what}: {seconds:.1f} s")
