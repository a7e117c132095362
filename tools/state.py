"""A stack's Terraform state: where it is, its versions and lock, and recovery after an interrupted deploy.

    .venv/bin/python -m tools.state status STACK          # backend, serial, lineage, resources, versions, lock
    .venv/bin/python -m tools.state explain [STACK ...]   # why a deploy failed: held locks, resources in no state
                                                          # (no STACK: every stack of the synthesized manifest)
    .venv/bin/python -m tools.state unlock STACK LOCK_ID  # terraform force-unlock of that lock only
    .venv/bin/python -m tools.state recover STACK [--lock-id LOCK_ID]
    .venv/bin/python -m tools.state versions STACK        # the state's previous versions (S3 versioning)
    .venv/bin/python -m tools.state restore STACK VERSION_ID

``--outdir`` names the synthesized output [cdktf.out]; ``--emulator`` the emulator's deployments
(``$EMULATOR_DIR/cdktf.out``, the moto server at ``EMULATOR_ENDPOINT`` or on ``EMULATOR_PORT``, test
credentials). The backend is
the one the stack's ``cdk.tf.json`` names (``stacks/base.py``): S3 with a lock file, or a local file.

``recover`` is for a deploy that was killed (SIGKILL, a lost machine) before Terraform saved what
it had created: it releases the killed run's lock, if you name it (a lock is only released by its
ID, so a teammate's running deploy is never unlocked by accident), then plans, and imports every
resource the plan would create that already exists (Terraform's ``import``), until none is left. The
next deploy then converges: nothing is created twice, nothing fails as already existing. A deploy
interrupted with SIGINT (Ctrl-C) needs none of it: Terraform saves the state and releases the lock
(``./cdktf`` waits for it, and checks with ``explain --locks-only``), and what it was creating is
marked tainted and replaced by the next deploy.

A local backend's lock is an OS file lock, released when the process dies: it is never stale.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tools.manifest import ManifestError, synthesized_stacks

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class StateError(Exception):
    """What was asked cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Backend:
    """Where a synthesized stack keeps its state, read from its ``cdk.tf.json``."""

    stack: str
    folder: Path  # the stack's folder in the synthesized output, where terraform runs
    kind: str  # "s3" or "local"
    bucket: str | None = None
    key: str | None = None
    region: str | None = None
    path: Path | None = None  # local state file

    @property
    def lock_key(self) -> str:
        return f"{self.key}.tflock"

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.kind == "s3" else str(self.path)


@dataclass(frozen=True)
class Lock:
    """A state lock as Terraform writes it (the lock file's JSON)."""

    id: str
    who: str
    operation: str
    created: str
    version: str


@dataclass(frozen=True)
class StateVersion:
    version_id: str
    modified: str
    latest: bool
    serial: int | None
    lineage: str | None
    resources: int


def backend_of(outdir: Path, stack: str) -> Backend:
    folder = Path(outdir) / "stacks" / stack
    try:
        document = json.loads((folder / "cdk.tf.json").read_text())
    except OSError:
        raise StateError(
            f"stack {stack!r} is not synthesized under {outdir}: synthesize (or deploy) it first"
        ) from None
    backends = document.get("terraform", {}).get("backend", {})
    if "s3" in backends:
        s3 = backends["s3"]
        return Backend(stack, folder, "s3", bucket=s3["bucket"], key=s3["key"], region=s3.get("region"))
    local = backends.get("local", {})
    return Backend(stack, folder, "local", path=folder / local.get("path", "terraform.tfstate"))


# --- reading the state and its lock -----------------------------------------------------------------------


class Store:
    """The S3 objects of remote states (boto3 with the environment's credentials and endpoint)."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        import boto3

        self.environment = environment
        self.session = boto3.session.Session(
            aws_access_key_id=environment.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=environment.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=environment.get("AWS_SESSION_TOKEN"),
            profile_name=environment.get("AWS_PROFILE") if not environment.get("AWS_ACCESS_KEY_ID") else None,
        )

    def client(self, service: str, region: str | None) -> Any:
        return self.session.client(
            service, region_name=region or "us-east-1", endpoint_url=self.environment.get("AWS_ENDPOINT_URL")
        )

    def get(self, backend: Backend, key: str, version_id: str | None = None) -> bytes | None:
        from botocore.exceptions import ClientError

        s3 = self.client("s3", backend.region)
        try:
            extra = {"VersionId": version_id} if version_id else {}
            return bytes(s3.get_object(Bucket=backend.bucket, Key=key, **extra)["Body"].read())
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404", "NoSuchVersion"):
                return None
            raise


def held_lock(backend: Backend, store: Store) -> Lock | None:
    if backend.kind != "s3":
        return None
    raw = store.get(backend, backend.lock_key)
    if raw is None:
        return None
    info = json.loads(raw)
    return Lock(
        id=info.get("ID", "?"),
        who=info.get("Who", "?"),
        operation=info.get("Operation", "?"),
        created=info.get("Created", "?"),
        version=info.get("Version", "?"),
    )


def current_state(backend: Backend, store: Store) -> dict[str, Any] | None:
    if backend.kind == "s3":
        raw = store.get(backend, str(backend.key))
    else:
        raw = backend.path.read_bytes() if backend.path and backend.path.is_file() else None
    return json.loads(raw) if raw else None


def versions(backend: Backend, store: Store) -> list[StateVersion]:
    """Every version of the state object, newest first (S3 keeps them with versioning on)."""
    if backend.kind != "s3":
        raise StateError(f"{backend.stack} keeps its state in a local file ({backend}): it has no versions")
    s3 = store.client("s3", backend.region)
    listed = s3.list_object_versions(Bucket=backend.bucket, Prefix=backend.key).get("Versions", [])
    found = []
    for version in listed:
        if version["Key"] != backend.key:
            continue
        state = json.loads(store.get(backend, str(backend.key), version["VersionId"]) or b"{}")
        found.append(
            StateVersion(
                version_id=version["VersionId"],
                modified=version["LastModified"].strftime("%Y-%m-%d %H:%M:%S UTC"),
                latest=version["IsLatest"],
                serial=state.get("serial"),
                lineage=state.get("lineage"),
                resources=sum(1 for r in state.get("resources", []) if r.get("mode") == "managed"),
            )
        )
    return found  # as S3 lists a key's versions: newest first


def lock_message(backend: Backend, lock: Lock, *, emulator: bool) -> str:
    """What a held lock means and the exact commands that release it, for the wrappers to print."""
    make = "make recover-local" if emulator else "make recover"
    return (
        f"The state of {backend.stack} ({backend}) is locked: lock {lock.id}, held by {lock.who} since "
        f"{lock.created} ({lock.operation}, Terraform {lock.version}).\n"
        "If that deploy is still running, let it finish (or wait for it: TF_LOCK_TIMEOUT=5m).\n"
        "If it was killed, release its lock and adopt what it created before it could save them:\n"
        f"  {make} STACK={backend.stack} LOCK_ID={lock.id}\n"
        f"(the lock alone: terraform force-unlock -force {lock.id}, in {backend.folder})"
    )


# --- terraform ------------------------------------------------------------------------------------------


class Terraform:
    """terraform in a stack's folder, non-interactive, with the offline provider mirror when there is one."""

    def __init__(self, backend: Backend, environment: Mapping[str, str], say: Callable[[str], None] = print) -> None:
        from tools.terraform_cli import write_config

        self.backend, self.say = backend, say
        self.environment = {
            **environment,
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(write_config(environment)),
        }
        # A folder deployed from is initialized already (its backend recorded in .terraform/).
        self.initialized = (backend.folder / ".terraform" / "terraform.tfstate").is_file()

    def __call__(self, *args: str, ok_codes: Sequence[int] = (0,)) -> subprocess.CompletedProcess[str]:
        if not self.initialized and args[0] != "init":
            self("init", "-input=false")
            self.initialized = True
        result = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.backend.folder,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode not in ok_codes:
            raise StateError(
                f"terraform {args[0]} in {self.backend.folder} exited {result.returncode}:\n"
                f"{(result.stderr or result.stdout).strip()[-3000:]}"
            )
        return result


class Runs(Protocol):
    """What adoption needs of terraform: run a command in the stack's folder, and say what it did."""

    say: Callable[[str], None]

    def __call__(self, *args: str, ok_codes: Sequence[int] = (0,)) -> subprocess.CompletedProcess[str]: ...


# --- adopting what a killed deploy created ---------------------------------------------------------------


def _exists(call: Callable[[], Any], *missing: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] in missing:
            return False
        raise
    return True


def _qualified(name: str, qualifier: Any) -> str:
    return f"{name}:{qualifier}" if qualifier else name


def _role(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    iam = clients("iam")
    return after["name"] if _exists(lambda: iam.get_role(RoleName=after["name"]), "NoSuchEntity") else None


def _role_policy(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    iam, role, name = clients("iam"), after["role"], after["name"]
    found = _exists(lambda: iam.get_role_policy(RoleName=role, PolicyName=name), "NoSuchEntity")
    return f"{role}:{name}" if found else None


def _log_group(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    groups = clients("logs").describe_log_groups(logGroupNamePrefix=after["name"])["logGroups"]
    return after["name"] if any(g["logGroupName"] == after["name"] for g in groups) else None


def _function(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    name, lam = after["function_name"], clients("lambda")
    return name if _exists(lambda: lam.get_function(FunctionName=name), "ResourceNotFoundException") else None


def _queue(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return str(clients("sqs").get_queue_url(QueueName=after["name"])["QueueUrl"])
    except ClientError as error:
        if error.response["Error"]["Code"] in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            return None
        raise


def _invoke_config(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    lam, name, qualifier = clients("lambda"), after["function_name"], after.get("qualifier")
    found = _exists(
        lambda: lam.get_function_event_invoke_config(FunctionName=name, Qualifier=qualifier or "$LATEST"),
        "ResourceNotFoundException",
    )
    return _qualified(name, qualifier) if found else None


def _recursion_config(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    lam, name = clients("lambda"), after["function_name"]
    found = _exists(lambda: lam.get_function_recursion_config(FunctionName=name), "ResourceNotFoundException")
    return name if found else None


def _permission(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    from botocore.exceptions import ClientError

    name, qualifier, sid = after["function_name"], after.get("qualifier"), after["statement_id"]
    try:
        extra = {"Qualifier": qualifier} if qualifier else {}
        policy = json.loads(clients("lambda").get_policy(FunctionName=name, **extra)["Policy"])
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    return f"{_qualified(name, qualifier)}/{sid}" if any(s.get("Sid") == sid for s in policy["Statement"]) else None


def _rule(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    bus = after.get("event_bus_name") or "default"
    events, name = clients("events"), after["name"]
    found = _exists(lambda: events.describe_rule(Name=name, EventBusName=bus), "ResourceNotFoundException")
    return (name if bus == "default" else f"{bus}/{name}") if found else None


def _rule_target(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    from botocore.exceptions import ClientError

    bus, rule, target = after.get("event_bus_name") or "default", after["rule"], after.get("target_id")
    if not target:
        return None
    try:
        targets = clients("events").list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    return f"{bus}/{rule}/{target}" if any(t["Id"] == target for t in targets) else None


def _table(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    dynamodb, name = clients("dynamodb"), after["name"]
    return name if _exists(lambda: dynamodb.describe_table(TableName=name), "ResourceNotFoundException") else None


def _http_api(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    apis = clients("apigatewayv2").get_apis()["Items"]
    return next((str(a["ApiId"]) for a in apis if a["Name"] == after["name"]), None)


def _stage(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    api, name = after["api_id"], after["name"]
    stages = clients("apigatewayv2").get_stages(ApiId=api)["Items"]
    return f"{api}/{name}" if any(s["StageName"] == name for s in stages) else None


def _route(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    api = after["api_id"]
    routes = clients("apigatewayv2").get_routes(ApiId=api)["Items"]
    return next((f"{api}/{r['RouteId']}" for r in routes if r["RouteKey"] == after["route_key"]), None)


def _integration(clients: Callable[[str], Any], after: Mapping[str, Any]) -> str | None:
    api = after["api_id"]
    found = clients("apigatewayv2").get_integrations(ApiId=api)["Items"]
    uri = after.get("integration_uri")
    return next((f"{api}/{i['IntegrationId']}" for i in found if i.get("IntegrationUri") == uri), None)


# resource type -> (the planned values an ID needs, how to find the existing object's import ID)
IMPORT_IDS: dict[str, tuple[tuple[str, ...], Callable[[Callable[[str], Any], Mapping[str, Any]], str | None]]] = {
    "aws_iam_role": (("name",), _role),
    "aws_iam_role_policy": (("role", "name"), _role_policy),
    "aws_cloudwatch_log_group": (("name",), _log_group),
    "aws_lambda_function": (("function_name",), _function),
    "aws_sqs_queue": (("name",), _queue),
    "aws_lambda_function_event_invoke_config": (("function_name",), _invoke_config),
    "aws_lambda_function_recursion_config": (("function_name",), _recursion_config),
    "aws_lambda_permission": (("function_name", "statement_id"), _permission),
    "aws_cloudwatch_event_rule": (("name",), _rule),
    "aws_cloudwatch_event_target": (("rule",), _rule_target),
    "aws_dynamodb_table": (("name",), _table),
    "aws_apigatewayv2_api": (("name",), _http_api),
    "aws_apigatewayv2_stage": (("api_id", "name"), _stage),
    "aws_apigatewayv2_route": (("api_id", "route_key"), _route),
    "aws_apigatewayv2_integration": (("api_id",), _integration),
}


def _region(backend: Backend) -> str:
    document = json.loads((backend.folder / "cdk.tf.json").read_text())
    providers = document.get("provider", {}).get("aws", [{}])
    return str(providers[0].get("region") or "us-east-1")


# Types whose ``id`` attribute is the ID they are imported by: a reference to it is known once imported.
ID_IS_IMPORT_ID = frozenset(
    {
        "aws_iam_role",
        "aws_cloudwatch_log_group",
        "aws_lambda_function",
        "aws_sqs_queue",
        "aws_dynamodb_table",
        "aws_apigatewayv2_api",
        "aws_cloudwatch_event_rule",
    }
)


def planned_creates(terraform: Runs) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]:
    """The resource changes a plan would create from nothing (replacements of tainted ones are not), and
    what each argument of each resource refers to (``{address: {argument: ["aws_iam_role.R.id", ...]}}``)."""
    with tempfile.TemporaryDirectory() as scratch:
        plan = Path(scratch) / "recover.plan"
        terraform("plan", "-input=false", "-out", str(plan), ok_codes=(0,))
        shown = json.loads(terraform("show", "-json", str(plan)).stdout)
    creates = [
        change
        for change in shown.get("resource_changes", [])
        if change.get("mode") == "managed" and change["change"]["actions"] == ["create"]
    ]
    references = {
        resource["address"]: {
            name: list(expression.get("references", []))
            for name, expression in resource.get("expressions", {}).items()
            if isinstance(expression, dict)
        }
        for resource in shown.get("configuration", {}).get("root_module", {}).get("resources", [])
    }
    return creates, references


def existing(terraform: Runs, clients: Callable[[str], Any]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What the plan would create but already exists, as (address, import id); notes on what it could not look for.

    An argument unknown before apply that refers to the ``id`` of another resource found here is taken
    as that one's import ID (a role policy names its role by the role's id), so one plan is enough.
    """
    creates, references = planned_creates(terraform)
    found: dict[str, str] = {}
    absent: set[str] = set()  # looked for, not there
    types = {change["address"]: change["type"] for change in creates}
    notes: dict[str, str] = {}
    progress = True
    while progress:
        progress = False
        for change in creates:
            address, type_ = change["address"], change["type"]
            if address in found or address in absent:
                continue
            if type_ not in IMPORT_IDS:
                notes[address] = f"{address}: the recovery does not know how to look for a {type_}"
                continue
            needed, finder = IMPORT_IDS[type_]
            after = dict(change["change"].get("after") or {})
            for name in needed:
                for reference in references.get(address, {}).get(name, []):
                    target, _, attribute = reference.rpartition(".")
                    if after.get(name) in (None, "") and attribute == "id" and target in found:
                        if types.get(target) in ID_IS_IMPORT_ID:
                            after[name] = found[target]
            if any(after.get(name) in (None, "") for name in needed):
                notes[address] = f"{address}: its {', '.join(needed)} are not known before apply"
                continue
            notes.pop(address, None)
            import_id = finder(clients, after)
            if import_id is None:
                absent.add(address)
            else:
                found[address] = import_id
                progress = True
    return list(found.items()), notes


def adopt(
    backend: Backend, terraform: Runs, clients: Callable[[str], Any], *, passes: int = 3
) -> tuple[list[tuple[str, str]], list[str]]:
    """Import what the plan would create but already exists; again while imports make more IDs known.

    Returns ((address, import id) imported, notes on what could not be looked for).
    """
    imported: list[tuple[str, str]] = []
    notes: dict[str, str] = {}
    for _ in range(passes):
        found, notes = existing(terraform, clients)
        for address, import_id in found:
            terraform("import", "-input=false", address, import_id)
            terraform.say(f"adopted {address} <- {import_id}")
        imported += found
        # Plan again only if imports may have made known what this plan could not look for.
        if not found or not any("not known before apply" in note for note in notes.values()):
            break
    return imported, sorted(notes.values())


def explain(
    backend: Backend, store: Store, terraform: Runs, clients: Callable[[str], Any], *, emulator: bool
) -> list[str]:
    """Why a deploy of the stack may have failed, as far as its state tells: a held lock, or resources
    that exist but are in no state (a deploy interrupted while creating them). Nothing found: no lines."""
    lock = held_lock(backend, store)
    if lock is not None:
        return [lock_message(backend, lock, emulator=emulator)]
    try:
        found, _ = existing(terraform, clients)
    except StateError:
        return []  # the plan itself fails: the deploy's own error says why
    if not found:
        return []
    make = "make recover-local" if emulator else "make recover"
    return [
        f"{backend.stack}: these exist but are in no state (a deploy interrupted while creating them, or state lost):",
        *(f"  {address} ({import_id})" for address, import_id in found),
        f"Adopt them, then deploy again: {make} STACK={backend.stack}",
    ]


# --- commands -------------------------------------------------------------------------------------------


def unlock(backend: Backend, store: Store, terraform: Terraform, lock_id: str) -> Lock:
    """Release the lock ``lock_id``, and only it: another ID held now is someone else's run."""
    lock = held_lock(backend, store)
    if lock is None:
        raise StateError(f"the state of {backend.stack} ({backend}) is not locked: nothing to release")
    if lock.id != lock_id:
        raise StateError(
            f"the lock held on {backend.stack} now is {lock.id} ({lock.who}, since {lock.created}), not {lock_id}: "
            "another deploy took it; let it finish"
        )
    terraform("force-unlock", "-force", lock_id)
    return lock


def recover(
    backend: Backend,
    store: Store,
    terraform: Terraform,
    clients: Callable[[str], Any],
    lock_id: str | None,
    emulator: bool,
) -> list[str]:
    lines = []
    lock = held_lock(backend, store)
    if lock is not None:
        if lock_id is None:
            raise StateError(lock_message(backend, lock, emulator=emulator))
        unlock(backend, store, terraform, lock_id)
        lines.append(f"released lock {lock_id} ({lock.who}, since {lock.created})")
    elif lock_id is not None:
        lines.append(f"lock {lock_id} is no longer held: nothing to release")
    imported, notes = adopt(backend, terraform, clients)
    lines += [f"adopted {address} <- {import_id}" for address, import_id in imported]
    if not imported:
        lines.append("nothing to adopt: every resource the configuration names is in the state or does not exist")
    lines += [f"not looked for: {note}" for note in notes]
    deploy = f"make deploy-local STACKS={backend.stack}" if emulator else f"./cdktf deploy {backend.stack}"
    lines.append(f"the state of {backend.stack} is consistent again; deploy it: {deploy}")
    return lines


def restore(backend: Backend, store: Store, terraform: Terraform, version_id: str) -> str:
    """Make an earlier version the current state (``terraform state push -force``, same lineage only)."""
    raw = store.get(backend, str(backend.key), version_id)
    if raw is None:
        raise StateError(
            f"no version {version_id} of {backend}; `python -m tools.state versions {backend.stack}` lists them"
        )
    old, now = json.loads(raw), current_state(backend, store) or {}
    if now and old.get("lineage") != now.get("lineage"):
        raise StateError(
            f"version {version_id} is of lineage {old.get('lineage')}, the current state of {now.get('lineage')}: "
            "it is another state's history, not this one's"
        )
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "restored.tfstate"
        path.write_bytes(raw)
        terraform("state", "push", "-force", str(path))
    return (
        f"the state of {backend.stack} is version {version_id} again (serial {old.get('serial')}, "
        f"{sum(1 for r in old.get('resources', []) if r.get('mode') == 'managed')} resources); "
        "the next plan compares the resources with it"
    )


def describe(backend: Backend, store: Store) -> list[str]:
    state = current_state(backend, store)
    lines = [f"{backend.stack}: {backend.kind} state at {backend}"]
    if state is None:
        lines.append("  no state yet (never deployed, or destroyed and removed)")
    else:
        managed = [r for r in state.get("resources", []) if r.get("mode") == "managed"]
        lines.append(f"  serial {state.get('serial')}, lineage {state.get('lineage')}, {len(managed)} resources")
    if backend.kind == "s3":
        lines.append(f"  {len(versions(backend, store))} version(s) kept")
        lock = held_lock(backend, store)
        lines.append(f"  locked by {lock.who} since {lock.created} (lock {lock.id})" if lock else "  not locked")
    return lines


def _environment(emulator: bool) -> tuple[dict[str, str], Path]:
    if not emulator:
        return dict(os.environ), Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    from tools.emulator import DEFAULT_PORT, client_environment, endpoint

    emulator_endpoint = os.environ.get("EMULATOR_ENDPOINT") or endpoint(
        int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT))
    )
    workdir = Path(os.environ.get("EMULATOR_DIR", PROJECT_ROOT / ".emulator"))
    return client_environment(emulator_endpoint), workdir / "cdktf.out"


STACK_HELP = "a stack of the synthesized app (its name in cdktf.out/manifest.json)"


def main(argv: Sequence[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.state",
        description=__doc__.split("\n\n")[0],
        epilog="The backend is the one the stack's cdk.tf.json names: S3 with a lock file (TF_STATE_BUCKET), or a "
        "local file. `python -m tools.state COMMAND --help` describes each command.",
    )
    parser.add_argument("--outdir", type=Path, help="synthesized output [cdktf.out; the emulator's with --emulator]")
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="the emulator's deployments (make deploy-local): its output folder, its server, test credentials",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}".strip()
        )

    command(
        "status",
        "where the stack's state is, its serial, lineage and resource count; with S3, its versions and lock",
    ).add_argument("stack", help=STACK_HELP)
    explaining = command(
        "explain",
        "why a deploy may have failed: held locks, and resources that exist but are in no state",
        "Prints nothing and exits 0 when there is nothing to say; exit 1 when it found something. "
        "./cdktf runs it after a failed deploy, diff or destroy.",
    )
    explaining.add_argument("stacks", nargs="*", metavar="STACK", help=f"{STACK_HELP} [every one]")
    explaining.add_argument("--locks-only", action="store_true", help="only the locks (no plan)")
    unlocking = command(
        "unlock",
        "release the state lock LOCK_ID (terraform force-unlock), and only it",
        "Refused if the lock held now has another ID: another run took it since.",
    )
    unlocking.add_argument("stack", help=STACK_HELP)
    unlocking.add_argument("lock_id", metavar="LOCK_ID", help="the lock's ID, as the lock message names it")
    recovering = command(
        "recover",
        "after a killed deploy: release its lock, then import what it created but could not save",
        "Plans, and imports every resource the plan would create that already exists, until none is left; "
        "the next deploy then converges (make recover, make recover-local).",
    )
    recovering.add_argument("stack", help=STACK_HELP)
    recovering.add_argument("--lock-id", help="the killed run's lock, as the lock message names it")
    command(
        "versions", "the versions of the stack's state the S3 bucket kept, newest first (S3 versioning)"
    ).add_argument("stack", help=STACK_HELP)
    restoring = command(
        "restore",
        "make an earlier version of the state current again (terraform state push -force)",
        "Only a version of the same lineage; the resources are not changed: the next plan compares them with it.",
    )
    restoring.add_argument("stack", help=STACK_HELP)
    restoring.add_argument("version_id", metavar="VERSION_ID", help="a version ID that `versions` lists")
    args = parser.parse_args(argv)

    environment, default_outdir = _environment(args.emulator)
    outdir = args.outdir or default_outdir
    try:
        store = Store(environment)
        if args.command == "explain":
            # No stack named: every stack the app synthesized (none yet: nothing to explain).
            names = args.stacks or (synthesized_stacks(outdir) if (outdir / "manifest.json").exists() else [])
            found = False
            for name in names:
                backend = backend_of(outdir, name)
                if args.locks_only:
                    lock = held_lock(backend, store)
                    lines = [lock_message(backend, lock, emulator=args.emulator)] if lock else []
                else:
                    region = _region(backend)
                    clients = functools.partial(store.client, region=region)
                    lines = explain(
                        backend, store, Terraform(backend, environment, say), clients, emulator=args.emulator
                    )
                for line in lines:
                    say(line)
                found = found or bool(lines)
            return 1 if found else 0
        backend = backend_of(outdir, args.stack)
        terraform = Terraform(backend, environment, say)
        if args.command == "status":
            lines = describe(backend, store)
        elif args.command == "unlock":
            lock = unlock(backend, store, terraform, args.lock_id)
            lines = [f"released lock {lock.id} of {backend.stack} ({lock.who}, since {lock.created})"]
        elif args.command == "recover":
            clients = functools.partial(store.client, region=_region(backend))
            lines = recover(backend, store, terraform, clients, args.lock_id, args.emulator)
            lines = [line for line in lines if not line.startswith("adopted ")]  # said as they happened
        elif args.command == "versions":
            lines = [
                f"{v.version_id}  {v.modified}  serial {v.serial}  {v.resources} resources"
                + ("  (current)" if v.latest else "")
                for v in versions(backend, store)
            ] or [f"no versions of {backend}"]
        else:
            lines = [restore(backend, store, terraform, args.version_id)]
    except (StateError, ManifestError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in lines:
        say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
