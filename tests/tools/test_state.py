"""tools.state: where a stack's state is, what a held lock says, and what recovery adopts.

The emulator tests (tests/integration/test_state_safety.py) run it against real kills; these check
its parts on their own: the backend read from cdk.tf.json, the lock message, each import-ID finder
against moto in-process, and the adoption passes against a recorded plan.
"""

import json
import subprocess

import boto3
import pytest
from moto import mock_aws

from tools.state import IMPORT_IDS, Backend, Lock, StateError, Store, adopt, backend_of, explain, lock_message, main


def synthesized(tmp_path, stack, backend):
    folder = tmp_path / "stacks" / stack
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}}))
    return folder


def test_the_backend_is_read_from_the_synthesized_stack(tmp_path):
    s3 = {"s3": {"bucket": "team-state", "key": "lambda-async/dev/a.tfstate", "region": "eu-west-1"}}
    folder = synthesized(tmp_path, "a", s3)
    synthesized(tmp_path, "b", {"local": {"path": "/srv/state/terraform.b.tfstate"}})
    assert backend_of(tmp_path, "a") == Backend(
        "a", folder, "s3", bucket="team-state", key="lambda-async/dev/a.tfstate", region="eu-west-1"
    )
    assert str(backend_of(tmp_path, "a")) == "s3://team-state/lambda-async/dev/a.tfstate"
    assert str(backend_of(tmp_path, "b")) == "/srv/state/terraform.b.tfstate"


def test_a_stack_that_is_not_synthesized_is_named(tmp_path):
    with pytest.raises(StateError) as error:
        backend_of(tmp_path, "nowhere")
    assert str(error.value) == f"stack 'nowhere' is not synthesized under {tmp_path}: synthesize (or deploy) it first"


def test_the_lock_message_names_holder_and_the_exact_commands(tmp_path):
    backend = Backend("a", tmp_path / "stacks" / "a", "s3", bucket="b1", key="p/a.tfstate", region="us-east-1")
    lock = Lock("1234-abcd", "ana@laptop", "OperationTypeApply", "2026-12-02T03:00:00Z", "1.11.4")
    assert lock_message(backend, lock, emulator=False) == (
        "The state of a (s3://b1/p/a.tfstate) is locked: lock 1234-abcd, held by ana@laptop since "
        "2026-12-02T03:00:00Z (OperationTypeApply, Terraform 1.11.4).\n"
        "If that deploy is still running, let it finish (or wait for it: TF_LOCK_TIMEOUT=5m).\n"
        "If it was killed, release its lock and adopt what it created before it could save them:\n"
        "  make recover STACK=a LOCK_ID=1234-abcd\n"
        f"(the lock alone: terraform force-unlock -force 1234-abcd, in {tmp_path / 'stacks' / 'a'})"
    )
    assert "  make recover-local STACK=a LOCK_ID=1234-abcd\n" in lock_message(backend, lock, emulator=True)


POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        yield lambda service: boto3.client(service, region_name="us-east-1")


def find(type_, clients, **after):
    return IMPORT_IDS[type_][1](clients, after)


def test_each_finder_gives_the_import_id_of_what_exists_and_none_for_what_does_not(aws):
    aws("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    aws("iam").put_role_policy(RoleName="r", PolicyName="default", PolicyDocument=POLICY)
    aws("logs").create_log_group(logGroupName="/aws/lambda/f")
    aws("logs").create_log_group(logGroupName="/aws/lambda/f-longer")
    url = aws("sqs").create_queue(QueueName="q")["QueueUrl"]
    aws("events").put_rule(Name="rule", EventPattern=json.dumps({"source": ["x"]}))
    aws("events").put_targets(Rule="rule", Targets=[{"Id": "Target0", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}])
    assert find("aws_iam_role", aws, name="r") == "r"
    assert find("aws_iam_role", aws, name="gone") is None
    assert find("aws_iam_role_policy", aws, role="r", name="default") == "r:default"
    assert find("aws_iam_role_policy", aws, role="r", name="other") is None
    assert find("aws_cloudwatch_log_group", aws, name="/aws/lambda/f") == "/aws/lambda/f"
    assert find("aws_cloudwatch_log_group", aws, name="/aws/lambda/g") is None
    assert find("aws_sqs_queue", aws, name="q") == url
    assert find("aws_sqs_queue", aws, name="gone") is None
    assert find("aws_cloudwatch_event_rule", aws, name="rule") == "rule"
    assert find("aws_cloudwatch_event_rule", aws, name="gone") is None
    assert find("aws_cloudwatch_event_target", aws, rule="rule", target_id="Target0") == "default/rule/Target0"
    assert find("aws_cloudwatch_event_target", aws, rule="rule", target_id="Target1") is None


class RecordedTerraform:
    """terraform whose plans are given, one per pass; records the imports it is asked for."""

    def __init__(self, plans):
        self.plans, self.calls = list(plans), []
        self.said: list[str] = []
        self.say = self.said.append

    def __call__(self, *args, ok_codes=(0,)):
        self.calls.append(args)
        stdout = json.dumps(self.plans.pop(0)) if args[0] == "show" else ""
        return subprocess.CompletedProcess(args, 0, stdout, "")


def creates(*changes):
    return {
        "resource_changes": [
            {"address": a, "type": t, "mode": "managed", "change": {"actions": ["create"], "after": after}}
            for a, t, after in changes
        ]
    }


def test_adoption_imports_what_exists_then_plans_again_for_what_it_made_known(aws, tmp_path):
    aws("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    aws("iam").put_role_policy(RoleName="r", PolicyName="default", PolicyDocument=POLICY)
    terraform = RecordedTerraform(
        [
            # the role policy's role is the role's id: unknown until the role is in the state
            creates(
                ("aws_iam_role.R", "aws_iam_role", {"name": "r"}),
                ("aws_iam_role_policy.P", "aws_iam_role_policy", {"name": "default"}),
                ("aws_sqs_queue.Q", "aws_sqs_queue", {"name": "not-created"}),
                ("aws_kinesis_stream.S", "aws_kinesis_stream", {"name": "s"}),
            ),
            creates(
                ("aws_iam_role_policy.P", "aws_iam_role_policy", {"name": "default", "role": "r"}),
                ("aws_sqs_queue.Q", "aws_sqs_queue", {"name": "not-created"}),
                ("aws_kinesis_stream.S", "aws_kinesis_stream", {"name": "s"}),
            ),
            creates(
                ("aws_sqs_queue.Q", "aws_sqs_queue", {"name": "not-created"}),
                ("aws_kinesis_stream.S", "aws_kinesis_stream", {"name": "s"}),
            ),
        ]
    )
    backend = Backend("a", tmp_path, "s3", bucket="b", key="k", region="us-east-1")
    imported, notes = adopt(backend, terraform, aws)
    assert imported == [("aws_iam_role.R", "r"), ("aws_iam_role_policy.P", "r:default")]
    assert [c for c in terraform.calls if c[0] == "import"] == [
        ("import", "-input=false", "aws_iam_role.R", "r"),
        ("import", "-input=false", "aws_iam_role_policy.P", "r:default"),
    ]
    assert notes == ["aws_kinesis_stream.S: the recovery does not know how to look for a aws_kinesis_stream"]
    assert terraform.said == ["adopted aws_iam_role.R <- r", "adopted aws_iam_role_policy.P <- r:default"]


def test_explain_names_what_exists_in_no_state_and_the_command_that_adopts_it(aws, tmp_path):
    # GIVEN an unlocked state, and a role the plan would create that exists already (a deploy cut short)
    aws("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    terraform = RecordedTerraform([creates(("aws_iam_role.R", "aws_iam_role", {"name": "r"}))])
    backend = Backend("a", tmp_path, "local", path=tmp_path / "terraform.a.tfstate")
    lines = explain(backend, Store({}), terraform, aws, emulator=False)
    assert lines == [
        "a: these exist but are in no state (a deploy interrupted while creating them, or state lost):",
        "  aws_iam_role.R (r)",
        "Adopt them, then deploy again: make recover STACK=a",
    ]
    # AND nothing was imported: explaining changes nothing
    assert [c for c in terraform.calls if c[0] == "import"] == []


def test_explain_says_nothing_when_the_state_accounts_for_everything(aws, tmp_path):
    terraform = RecordedTerraform([creates(("aws_iam_role.R", "aws_iam_role", {"name": "not-there"}))])
    backend = Backend("a", tmp_path, "local", path=tmp_path / "terraform.a.tfstate")
    assert explain(backend, Store({}), terraform, aws, emulator=True) == []


def test_an_argument_that_refers_to_the_id_of_an_orphan_is_known_in_the_same_plan(aws, tmp_path):
    # GIVEN a role and its policy, both created by a killed deploy; the plan knows the policy's role only
    # as a reference to the role's id
    aws("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    aws("iam").put_role_policy(RoleName="r", PolicyName="default", PolicyDocument=POLICY)
    plan = creates(
        ("aws_iam_role_policy.P", "aws_iam_role_policy", {"name": "default"}),
        ("aws_iam_role.R", "aws_iam_role", {"name": "r"}),
    )
    plan["configuration"] = {
        "root_module": {
            "resources": [
                {"address": "aws_iam_role_policy.P", "expressions": {"role": {"references": ["aws_iam_role.R.id"]}}}
            ]
        }
    }
    terraform = RecordedTerraform([plan])
    imported, notes = adopt(Backend("a", tmp_path, "local"), terraform, aws)
    # THEN both are adopted from one plan
    assert sorted(imported) == [("aws_iam_role.R", "r"), ("aws_iam_role_policy.P", "r:default")]
    assert notes == [] and [c[0] for c in terraform.calls].count("show") == 1


def test_explain_without_names_looks_at_every_stack_of_the_manifest_and_no_other_folder(tmp_path, capsys):
    # GIVEN a synthesized output whose manifest names "a" and "b", b's folder missing, and a stale folder
    synthesized(tmp_path, "a", {"local": {"path": str(tmp_path / "a.tfstate")}})
    synthesized(tmp_path, "stale", {"local": {"path": str(tmp_path / "stale.tfstate")}})
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": {"a": {}, "b": {}}}))
    # WHEN explain runs without stack names
    code = main(["--outdir", str(tmp_path), "explain", "--locks-only"])
    # THEN it went through the manifest's stacks: a (local state: no lock), then b, which it names as missing
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: stack 'b' is not synthesized under {tmp_path}: synthesize (or deploy) it first\n"
    )


def test_explain_without_names_and_nothing_synthesized_has_nothing_to_say(tmp_path, capsys):
    assert main(["--outdir", str(tmp_path), "explain", "--locks-only"]) == 0
    assert capsys.readouterr() == ("", "")


def test_every_command_is_described_in_the_help(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per help text, whatever the terminal
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command, summary in (
        ("status", "where the stack's state is"),
        ("explain", "why a deploy may have failed"),
        ("unlock", "release the state lock LOCK_ID"),
        ("recover", "after a killed deploy: release its lock"),
        ("versions", "the versions of the stack's state the S3 bucket kept"),
        ("restore", "make an earlier version of the state current again"),
    ):
        assert f"    {command} " in text and summary in text, command
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert summary[0].upper() + summary[1:] in capsys.readouterr().out, command
