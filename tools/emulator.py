"""Deploy the app's stacks to a local AWS emulator (moto server) with the cdktf CLI, and tear them down.

    .venv/bin/python -m tools.emulator deploy [STACK ...]   # start moto if needed, deploy, summarize
    .venv/bin/python -m tools.emulator destroy [STACK ...]  # destroy; stop moto once nothing is deployed

Each run first synthesizes the app for the emulator (``./cdktf synth``) and reads the stacks from the
synthesized ``manifest.json``: every stack ``main.py`` builds is known, a stack a user adds included,
and no stack named means all of them. Deploy and destroy then run on that output (``--skip-synth``),
without colours (``--no-color``), so a log of them holds no terminal escapes.

The server listens on 127.0.0.1 only, port ``EMULATOR_PORT`` [4599], with
``MOTO_IAM_LOAD_MANAGED_POLICIES=true``. The truth about it is the port itself: a moto answering
there (its process found from the port), not a file, so a ``make clean`` cannot make it be forgotten.
Leftovers are recovered, and said: a server still running without the state of what it holds is
reset; state left by a server that is gone is removed; a port taken by another program is named,
with how to pick another. Work files are in ``.emulator/`` (``EMULATOR_DIR``): state, the synthesized
output, the server's log, and ``outputs.json`` with the outputs of every deployed stack (a one-stack
deploy or destroy updates only that stack's). The stacks see only ``EMULATOR_ENDPOINT`` (see
stacks/settings.py); the CLI gets test credentials and ``AWS_ENDPOINT_URL``, which the provider
uses. moto never runs function code and never delivers destinations: this proves the wiring applies.

With ``TF_STATE_BUCKET`` set, state goes where a real deployment's goes, to that S3 bucket with a
lock file (stacks/base.py), here in the emulator itself: the bucket is created with versioning on,
after checking that the server refuses a second conditional write (``If-None-Match: *``), which
Terraform's lock relies on. A deploy that fails on a held lock is reported (by ./cdktf) with the
lock's holder and the exact recovery command (tools/state.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.manifest import ManifestError, synthesized_stacks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The account of stacks.settings (kept here so this tool starts without cdktf; a test keeps them equal).
EMULATOR_ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
DEFAULT_PORT = 4599
START_TIMEOUT_S = 30
# ./cdktf's exit code after Ctrl-C when terraform saved its state and released its lock.
INTERRUPTED_CLEANLY = 130


class EmulatorError(Exception):
    """The emulator cannot do what was asked; the message says why and what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def is_up(port: int) -> bool:
    """Whether a moto server answers on 127.0.0.1:``port``."""
    try:
        with urllib.request.urlopen(f"{endpoint(port)}/moto-api/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def listeners(port: int) -> dict[int, str]:
    """pid -> command line of the processes listening on TCP ``port`` (Linux /proc; empty elsewhere)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[1].rsplit(":", 1)[1] == f"{port:04X}" and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found = {}
    for process in Path("/proc").glob("[0-9]*") if wanted else ():
        try:
            descriptors = list((process / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in wanted:
                    found[int(process.name)] = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                    break
            except OSError:  # closed meanwhile, or not ours to read
                continue
    return found


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    """Start moto on 127.0.0.1:port and wait (at most START_TIMEOUT_S) until it answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_ACCOUNT_ID": EMULATOR_ACCOUNT_ID},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not is_up(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process.pid)
            tail = "\n  ".join(log_path.read_text(errors="replace").splitlines()[-3:])
            raise EmulatorError(f"moto server did not start on 127.0.0.1:{port}; the end of {log_path}:\n  {tail}")
        time.sleep(0.2)
    return process


def stop_process(pid: int, timeout_s: float = 10) -> None:
    """Stop a process and its group: SIGTERM, then SIGKILL after ``timeout_s``."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _exited(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exited(pid: int) -> bool:
    """Whether ``pid`` is gone; a child of ours that exited is reaped (a zombie still answers signals)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """A moto server on a free loopback port for the duration of the block; always stopped."""
    port = free_port()
    process = start_server(port, log_path)
    try:
        yield endpoint(port)
    finally:
        stop_process(process.pid)
        process.wait(timeout=15)


def client_environment(emulator_endpoint: str, base: dict | None = None) -> dict[str, str]:
    """Environment for cdktf/terraform/boto3 talking to the emulator: never real credentials."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        # A profile, a session token or an endpoint of the user's could send a call elsewhere.
        if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        and not k.startswith("AWS_ENDPOINT_URL_")
    }
    return {
        **env,
        "EMULATOR_ENDPOINT": emulator_endpoint,
        "AWS_ENDPOINT_URL": emulator_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def s3_client(emulator_endpoint: str) -> Any:
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    return session.client("s3", endpoint_url=emulator_endpoint)


def ensure_state_bucket(emulator_endpoint: str, bucket: str) -> bool:
    """The state bucket in the emulator, versioned; whether it was created now.

    Before first use, checks that the server honours conditional writes: Terraform's S3 lock is an
    object written with ``If-None-Match: *``, so a server that accepts the second such write cannot lock.
    """
    from botocore.exceptions import ClientError

    s3 = s3_client(emulator_endpoint)
    if any(b["Name"] == bucket for b in s3.list_buckets().get("Buckets", [])):
        return False
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    probe = ".conditional-write-probe"
    s3.put_object(Bucket=bucket, Key=probe, Body=b"1", IfNoneMatch="*")
    try:
        s3.put_object(Bucket=bucket, Key=probe, Body=b"2", IfNoneMatch="*")
    except ClientError as error:
        if error.response["Error"]["Code"] != "PreconditionFailed":
            raise
    else:
        raise EmulatorError(
            f"the emulator at {emulator_endpoint} accepted a second conditional write (If-None-Match: *): "
            "Terraform's S3 lock would not lock there. Use a moto with S3 conditional writes (moto >= 5.0.23)"
        )
    for version in s3.list_object_versions(Bucket=bucket, Prefix=probe).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=probe, VersionId=version["VersionId"])
    return True


def cli_environment(emulator_endpoint: str, workdir: Path) -> dict[str, str]:
    """The cdktf CLI's environment for the emulator: the synth and the deploy must see the same settings."""
    # NO_COLOR: the CLI's own log lines are coloured even with --no-color, which covers only terraform's.
    env = {**client_environment(emulator_endpoint), "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"}
    if not env.get("TF_STATE_BUCKET"):
        env["TF_STATE_DIR"] = str(workdir / "state")
    return env


def cdktf_synth(emulator_endpoint: str, workdir: Path) -> None:
    """``./cdktf synth`` of the app for the emulator into ``workdir``/cdktf.out (which deploy and destroy use)."""
    # A separate output folder: its .terraform dirs point at emulator state, never at real state.
    command = [str(PROJECT_ROOT / "cdktf"), "synth", "--output", str(workdir / "cdktf.out")]
    print("$", " ".join(command), flush=True)
    try:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=cli_environment(emulator_endpoint, workdir))
    except KeyboardInterrupt:
        raise EmulatorError("interrupted while synthesizing: nothing was deployed or destroyed") from None
    if completed.returncode != 0:
        raise EmulatorError(f"cdktf synth failed (exit {completed.returncode}): the app's error is above")


def cdktf_cli(
    verb: str, stacks: Sequence[str], emulator_endpoint: str, workdir: Path, outputs_file: Path | None
) -> None:
    """``./cdktf deploy|destroy`` of ``stacks`` against the emulator, on the output ``cdktf_synth`` wrote."""
    outputs = ["--outputs-file", str(outputs_file)] if outputs_file else []
    command = [
        str(PROJECT_ROOT / "cdktf"),
        verb,
        *stacks,
        "--auto-approve",
        "--skip-synth",
        "--skip-provider-lock",
        "--no-color",
        "--output",
        str(workdir / "cdktf.out"),
        *outputs,
    ]
    env = cli_environment(emulator_endpoint, workdir)
    print("$", " ".join(command), flush=True)
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    interrupted = False
    while process.returncode is None:
        try:
            process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the CLI too (same process group), and through it terraform, which now saves
            # the state and releases its lock: killing the CLI here would cut that short.
            if not interrupted:
                print("interrupted: waiting for terraform to save the state and release its lock", file=sys.stderr)
            interrupted = True
    if interrupted and process.returncode == INTERRUPTED_CLEANLY:
        raise EmulatorError(f"cdktf {verb} was interrupted; run it again to converge (see README, Team deployments)")
    if interrupted:
        raise EmulatorError(f"cdktf {verb} was interrupted and left a state lock: release it as shown above")
    if process.returncode != 0:
        raise EmulatorError(
            f"cdktf {verb} failed (exit {process.returncode}); the emulator's log is {workdir / 'moto.log'}"
        )


Runner = Callable[[str, Sequence[str], str, Path, Path | None], None]
Synthesizer = Callable[[str, Path], None]


class Emulator:
    """One moto server on ``port`` and the deployments made to it, kept in ``workdir``."""

    def __init__(
        self,
        workdir: Path,
        port: int,
        runner: Runner = cdktf_cli,
        say: Callable[[str], None] = print,
        state_bucket: str | None = None,
        synthesizer: Synthesizer = cdktf_synth,
    ) -> None:
        self.workdir, self.port, self.runner, self.say = Path(workdir), port, runner, say
        self.synthesizer = synthesizer
        self.state_dir = self.workdir / "state"
        self.outputs_file = self.workdir / "outputs.json"
        self.state_bucket = state_bucket

    def outputs(self) -> dict[str, dict]:
        try:
            return json.loads(self.outputs_file.read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def _state_exists(self) -> bool:
        if self.state_dir.is_dir() and any(self.state_dir.glob("*.tfstate")):
            return True
        if self.state_bucket and is_up(self.port):
            # Remote state lives in the server itself: its bucket is there whenever the state might be,
            # from the first lock of the first deploy on (so another deploy under way is never reset).
            buckets = s3_client(endpoint(self.port)).list_buckets().get("Buckets", [])
            return any(b["Name"] == self.state_bucket for b in buckets)
        return False

    def ensure_server(self) -> str:
        """The endpoint of a moto server on the port: reused, recovered or started, as the leftovers need."""
        if is_up(self.port):
            pids = ", ".join(map(str, listeners(self.port))) or "unknown"
            if self._state_exists():
                self.say(f"moto server already running on {endpoint(self.port)} (pid {pids}): deploying to it")
            else:
                urllib.request.urlopen(
                    urllib.request.Request(f"{endpoint(self.port)}/moto-api/reset", method="POST"), timeout=10
                )
                self.outputs_file.unlink(missing_ok=True)
                self.say(
                    f"moto server on {endpoint(self.port)} (pid {pids}) was left running without the state of what "
                    f"it holds (after `make clean`?): reset it, so this deploy starts from nothing"
                )
            return endpoint(self.port)
        if port_taken(self.port):
            holders = (
                "; ".join(f"pid {pid}: {command}" for pid, command in listeners(self.port).items()) or "another program"
            )
            raise EmulatorError(
                f"port {self.port} on 127.0.0.1 is in use by {holders}. Pick another port: "
                f"EMULATOR_PORT={self.port + 1} make deploy-local (and the same for destroy-local)"
            )
        if self._state_exists() or self.outputs_file.exists():
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.outputs_file.unlink(missing_ok=True)
            self.say(
                f"removed the emulator state in {self.state_dir}: the server it described is gone, "
                "and its resources with it"
            )
        process = start_server(self.port, self.workdir / "moto.log")
        self.say(f"moto server started on {endpoint(self.port)} (pid {process.pid})")
        return endpoint(self.port)

    def synthesize(self, requested: Sequence[str]) -> list[str]:
        """Synthesize the app for the emulator; the ``requested`` stacks, or all of the manifest's for none.

        A name the manifest does not have is refused with the names it has.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)  # a new EMULATOR_DIR beside a server already running
        self.synthesizer(endpoint(self.port), self.workdir)
        try:
            available = synthesized_stacks(self.workdir / "cdktf.out")
        except ManifestError as error:
            raise EmulatorError(str(error)) from None
        unknown = sorted(set(requested) - set(available))
        if unknown:
            raise EmulatorError(
                f"the app has no stack {', '.join(map(repr, unknown))}; its stacks: {', '.join(available)}"
            )
        return list(requested) or available

    def deploy(self, requested: Sequence[str] = ()) -> list[str]:
        """Deploy the ``requested`` stacks (all the app's for none); return the names deployed."""
        stacks = self.synthesize(requested)
        emulator_endpoint = self.ensure_server()
        if self.state_bucket and ensure_state_bucket(emulator_endpoint, self.state_bucket):
            self.say(f"state bucket {self.state_bucket} created on the emulator (versioning on, lock file checked)")
        # The CLI writes the outputs of the stacks it deploys to outputs.json (and says so); those of the
        # stacks deployed before, which it leaves out, are put back beside them, even if the deploy fails.
        before = self.outputs()
        try:
            self.runner("deploy", stacks, emulator_endpoint, self.workdir, self.outputs_file)
        finally:
            merged = {**before, **self.outputs()}
            if merged:
                self.outputs_file.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
        return stacks

    def destroy(self, requested: Sequence[str] = ()) -> list[str]:
        """Destroy the ``requested`` stacks (all the app's for none); return the names destroyed."""
        if not is_up(self.port):
            self.say(
                f"no moto server answers on {endpoint(self.port)}: nothing to destroy "
                "(EMULATOR_PORT names the port if it was started on another)"
            )
            return []
        stacks = self.synthesize(requested)
        self.runner("destroy", stacks, endpoint(self.port), self.workdir, None)
        remaining = {name: value for name, value in self.outputs().items() if name not in stacks}
        if remaining:
            self.outputs_file.write_text(json.dumps(remaining, indent=2, sort_keys=True) + "\n")
            self.say(
                f"moto server keeps running on {endpoint(self.port)} for the stacks still deployed: "
                f"{', '.join(sorted(remaining))} (make destroy-local stops it after destroying them)"
            )
            return stacks
        self.outputs_file.unlink(missing_ok=True)
        self.stop()
        return stacks

    def stop(self) -> None:
        for pid in listeners(self.port):
            stop_process(pid)
        deadline = time.monotonic() + 10
        while port_taken(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        if port_taken(self.port):
            raise EmulatorError(
                f"could not stop what listens on 127.0.0.1:{self.port}; see `ss -ltnp | grep {self.port}`"
            )
        self.say(f"moto server on {endpoint(self.port)} stopped")


def summary(emulator_endpoint: str) -> str:
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    clients = {
        name: session.client(name, endpoint_url=emulator_endpoint)
        for name in ("lambda", "sqs", "events", "iam", "dynamodb", "apigatewayv2")
    }
    lines = ["Created on the emulator:"]
    lines += [f"  function  {f['FunctionName']}" for f in clients["lambda"].list_functions()["Functions"]]
    lines += [f"  queue     {url}" for url in clients["sqs"].list_queues().get("QueueUrls", [])]
    lines += [f"  rule      {r['Name']}  {r.get('EventPattern', '')}" for r in clients["events"].list_rules()["Rules"]]
    lines += [f"  table     {t}" for t in clients["dynamodb"].list_tables()["TableNames"]]
    lines += [
        f"  api       {a['Name']}  {a.get('ApiEndpoint', '')}" for a in clients["apigatewayv2"].get_apis()["Items"]
    ]
    lines += [
        f"  role      {r['RoleName']}"
        for r in clients["iam"].list_roles()["Roles"]
        if not r["Path"].startswith("/aws-service-role/")
    ]
    return "\n".join(lines)


HELP_EPILOG = """\
environment:
  EMULATOR_PORT     the moto server's port on 127.0.0.1 [4599]
  EMULATOR_DIR      work files: state, synthesized output, moto.log, outputs.json [.emulator]
  TF_STATE_BUCKET   keep the state in this bucket, created in the emulator with versioning (as a team's
                    deployments keep it in S3) instead of local files under EMULATOR_DIR/state

moto applies the resources but never runs function code or delivers destinations: the local runtime
does that (python -m tools.invoke). After a killed deploy: make recover-local STACK=... (tools.state).
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator",
        description=(
            "Deploy the app's stacks to a local moto server with the cdktf CLI, or destroy them.\n"
            "The app is synthesized for the emulator first and its stacks are read from the synthesized\n"
            "manifest: any stack main.py builds can be named (one you added too), and none names them all."
        ),
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "verb",
        choices=("deploy", "destroy"),
        help="deploy: start moto if needed (or recover what an earlier run left), deploy, list what exists; "
        "destroy: destroy, and stop moto once no stack is left deployed",
    )
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="stack names as main.py names them [all]")
    args = parser.parse_args(argv)
    raw_port = os.environ.get("EMULATOR_PORT", str(DEFAULT_PORT))
    if not raw_port.isdigit() or not 1024 <= int(raw_port) <= 65535:
        parser.error(f"EMULATOR_PORT must be a port number between 1024 and 65535; got {raw_port!r}")
    emulator = Emulator(
        Path(os.environ.get("EMULATOR_DIR", PROJECT_ROOT / ".emulator")),
        int(raw_port),
        state_bucket=os.environ.get("TF_STATE_BUCKET") or None,
    )
    try:
        if args.verb == "deploy":
            deployed = emulator.deploy(args.stacks)
            print(summary(endpoint(emulator.port)))
            print(f"Deployed {', '.join(deployed)}; their outputs are in {emulator.outputs_file}")
        else:
            emulator.destroy(args.stacks)
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
