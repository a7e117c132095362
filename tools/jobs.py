"""Start and follow jobs of the long-job-api stack, signing requests with your AWS credentials.

    .venv/bin/python -m tools.jobs [--api-url URL] start --n 100000000 [--wait]
    .venv/bin/python -m tools.jobs [--api-url URL] status JOB_ID [--wait]

Both routes use ``AWS_IAM`` authorization: each request is signed with SigV4 for ``execute-api`` with
the credentials boto3 finds (``AWS_PROFILE``, SSO, environment variables, ...); the identity needs
``execute-api:Invoke`` on the API. The API URL comes from ``--api-url``, else ``JOBS_API_URL``, else
the ``api_url`` output of the stack in ``--outputs`` [``cdktf-outputs.json``, as written by
``./cdktf deploy long-job-api --outputs-file cdktf-outputs.json``]. ``--wait`` polls the status
until the job is no longer running. Prints the HTTP status line and the JSON body; exit 0 for a 2xx
answer, 1 otherwise, 2 for bad arguments or missing configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

STACK = "long-job-api"
SERVICE = "execute-api"
_AWS_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")


class UsageError(Exception):
    """Missing configuration or a bad argument: printed, exit code 2."""


def api_url(args: argparse.Namespace) -> str:
    if args.api_url:
        return args.api_url.rstrip("/")
    if os.environ.get("JOBS_API_URL"):
        return os.environ["JOBS_API_URL"].rstrip("/")
    try:
        outputs = json.loads(Path(args.outputs).read_text())
        return outputs[STACK]["api_url"].rstrip("/")
    except FileNotFoundError:
        raise UsageError(
            f"no API URL: pass --api-url, set JOBS_API_URL, or deploy with "
            f"`./cdktf deploy {STACK} --outputs-file {args.outputs}`"
        ) from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UsageError(f"{args.outputs} has no {STACK}.api_url output") from None


def region_of(url: str) -> str:
    import boto3

    host = urllib.parse.urlparse(url).hostname or ""
    match = _AWS_HOST.match(host)
    return match.group(1) if match else boto3.session.Session().region_name or "us-east-1"


def signed_request(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], Any]:
    """Send a SigV4-signed request; return (status, headers, parsed JSON body)."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        raise UsageError("no AWS credentials found: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID")
    data = json.dumps(body).encode() if body is not None else None
    request = AWSRequest(
        method=method, url=url, data=data, headers={"content-type": "application/json"} if data is not None else {}
    )
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region_of(url)).add_auth(request)
    prepared = urllib.request.Request(url, data=data, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            status, headers, raw = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers.items()), error.read()
    except urllib.error.URLError as error:
        raise UsageError(f"cannot reach {url}: {error.reason}") from None
    try:
        parsed = json.loads(raw or b"null")
    except json.JSONDecodeError:
        parsed = raw.decode(errors="replace")
    return status, {k.lower(): v for k, v in headers.items()}, parsed


def show(status: int, body: Any, out: TextIO) -> None:
    print(f"HTTP {status}", file=out)
    print(json.dumps(body, indent=2), file=out)


THROTTLED_WAIT_MAX_S = 5.0


def wait_for(url: str, job_id: str, interval: float, timeout: float, out: TextIO) -> tuple[int, Any]:
    """Poll the job's status every ``interval`` s while it runs; a throttled poll (429, the stage's
    throttling) waits twice as long each time, up to 5 s, and polls again."""
    deadline = time.monotonic() + timeout
    backoff = interval
    while True:
        status, _, body = signed_request("GET", f"{url}/jobs/{job_id}")
        throttled = status == 429
        running = status == 200 and isinstance(body, dict) and body.get("status") == "running"
        if not (running or throttled) or time.monotonic() > deadline:
            return status, body
        if throttled:
            backoff = min(max(backoff, interval) * 2, THROTTLED_WAIT_MAX_S)
            print(f"throttled (HTTP 429): polling again in {backoff:g} s", file=out)
            time.sleep(backoff)
            continue
        backoff = interval
        progress = body.get("progress", {})
        print(f"running: hop {body.get('hop')}, {progress.get('cursor')}/{progress.get('end')}", file=out)
        time.sleep(interval)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.jobs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", help="the API's base URL [JOBS_API_URL, or the stack's api_url output]")
    parser.add_argument("--outputs", default="cdktf-outputs.json", help="cdktf outputs file [cdktf-outputs.json]")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between status polls with --wait [2]")
    parser.add_argument(
        "--wait-timeout", type=float, default=900.0, help="give up waiting after this many seconds [900]"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="POST /jobs")
    start.add_argument("--n", type=int, required=True, help="sum the squares of 0..n-1")
    start.add_argument("--wait", action="store_true", help="then poll the status until the job finishes")
    status = commands.add_parser("status", help="GET /jobs/{job_id}")
    status.add_argument("job_id")
    status.add_argument("--wait", action="store_true", help="poll until the job finishes")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        url = api_url(args)
        if args.command == "start":
            code, headers, body = signed_request("POST", f"{url}/jobs", {"n": args.n})
            show(code, body, out)
            if code == 202 and args.wait:
                code, body = wait_for(url, body["job_id"], args.interval, args.wait_timeout, out)
                show(code, body, out)
        else:
            if args.wait:
                code, body = wait_for(url, args.job_id, args.interval, args.wait_timeout, out)
            else:
                code, _, body = signed_request("GET", f"{url}/jobs/{args.job_id}")
            show(code, body, out)
    except UsageError as error:
        print(f"error: {error}", file=err)
        return 2
    return 0 if 200 <= code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
