"""Deploy the stacks to a local AWS emulator (moto server) with the cdktf CLI, and tear it down.

    pipenv run python -m tools.emulator deploy [STACK ...]   # start moto if needed, deploy, summarize
    pipenv run python -m tools.emulator destroy [STACK ...]  # destroy, then stop moto

The server listens on 127.0.0.1 only (port ``EMULATOR_PORT`` [4599]) with
``MOTO_IAM_LOAD_MANAGED_POLICIES=true``; its pid and port are kept in ``.emulator/server.json``.
The stacks see only ``EMULATOR_ENDPOINT`` (see stacks/settings.py); the CLI gets test credentials.
moto never runs function code and never delivers destinations: this proves the wiring applies.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Sequence

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_ROOT / ".emulator"
SERVER_FILE = STATE_DIR / "server.json"
# The CLI names of main.STACKS (kept here so this tool starts without cdktf; a test keeps them equal).
STACKS = ("function-destination", "sqs-destination", "response-only", "self-invoking", "long-job-api")
REGION = "us-east-1"
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def is_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint(port)}/moto-api/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    """Start moto on 127.0.0.1:port and wait (at most START_TIMEOUT_S) until it answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not is_up(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process.pid)
            raise RuntimeError(f"moto server did not start on 127.0.0.1:{port} within {START_TIMEOUT_S} s; see {log_path}")
        time.sleep(0.2)
    return process


def stop_server(pid: int, timeout_s: float = 10) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after ``timeout_s``."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """A moto server on a free loopback port for the duration of the block; always stopped."""
    port = free_port()
    process = start_server(port, log_path)
    try:
        yield endpoint(port)
    finally:
        stop_server(process.pid)
        process.wait(timeout=15)


def client_environment(emulator_endpoint: str, base: Optional[dict] = None) -> dict[str, str]:
    """Environment for cdktf/terraform/boto3 talking to the emulator: never real credentials."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
    return {
        **env,
        "EMULATOR_ENDPOINT": emulator_endpoint,
        "AWS_ENDPOINT_URL": emulator_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def running_server() -> Optional[dict]:
    if SERVER_FILE.is_file():
        server = json.loads(SERVER_FILE.read_text())
        if is_up(server["port"]):
            return server
    return None


def ensure_server() -> str:
    server = running_server()
    if server is None:
        port = int(os.environ.get("EMULATOR_PORT", "4599"))
        process = start_server(port, STATE_DIR / "moto.log")
        server = {"pid": process.pid, "port": port}
        SERVER_FILE.write_text(json.dumps(server))
        print(f"moto server started on {endpoint(port)} (pid {process.pid})")
    return endpoint(server["port"])


def cdktf(verb: str, stacks: Sequence[str], emulator_endpoint: str) -> None:
    outputs = ["--outputs-file", str(STATE_DIR / "outputs.json")] if verb == "deploy" else []
    # A separate output folder: its .terraform dirs point at emulator state, never at real state.
    command = ["npx", "cdktf", verb, *stacks, "--auto-approve", "--skip-provider-lock",
               "--output", str(STATE_DIR / "cdktf.out"), *outputs]
    env = {**client_environment(emulator_endpoint), "CI": "1"}
    print("$", " ".join(command))
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"cdktf {verb} failed (exit {result.returncode}); the emulator log is {STATE_DIR / 'moto.log'}")


def summary(emulator_endpoint: str) -> str:
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    clients = {name: session.client(name, endpoint_url=emulator_endpoint) for name in ("lambda", "sqs", "events", "iam")}
    lines = ["Created on the emulator:"]
    for function in clients["lambda"].list_functions()["Functions"]:
        lines.append(f"  function  {function['FunctionName']}")
    for url in clients["sqs"].list_queues().get("QueueUrls", []):
        lines.append(f"  queue     {url}")
    for rule in clients["events"].list_rules()["Rules"]:
        lines.append(f"  rule      {rule['Name']}  {rule.get('EventPattern', '')}")
    for role in clients["iam"].list_roles()["Roles"]:
        if not role["Path"].startswith("/aws-service-role/"):
            lines.append(f"  role      {role['RoleName']}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.emulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("verb", choices=("deploy", "destroy"))
    parser.add_argument("stacks", nargs="*", default=list(STACKS), help="stack names (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stacks) - set(STACKS))
    if unknown:
        parser.error(f"unknown stack(s) {', '.join(unknown)}; choose from {', '.join(STACKS)}")
    if args.verb == "deploy":
        emulator_endpoint = ensure_server()
        cdktf("deploy", args.stacks, emulator_endpoint)
        print(summary(emulator_endpoint))
        return 0
    server = running_server()
    if server is None:
        print("no emulator is running: nothing to destroy")
        return 0
    cdktf("destroy", args.stacks, endpoint(server["port"]))
    if set(args.stacks) == set(STACKS):
        stop_server(server["pid"])
        SERVER_FILE.unlink()
        print("moto server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
