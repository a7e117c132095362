"""Deploy every stack to a local moto server, check the wiring with boto3, plan again, destroy.

Marked ``emulator``: select with ``-m emulator`` or skip with ``-m "not emulator"``; ``make test``
runs it. moto applies the resources but never runs code or delivers destinations, so this proves
the synthesized wiring is accepted and reads back as synthesized, not that events flow.
"""

import json
import os
import time

import boto3
import pytest
from cdktf import App

from components.code_asset import CACHE_ENV
from main import STACKS
from stacks import Settings
from stacks.base import FUNCTIONS_DIR
from tests.support import run_terraform
from tools.emulator import EMULATOR_ACCOUNT_ID as ACCOUNT
from tools.emulator import REGION, client_environment, moto_server

pytestmark = pytest.mark.emulator
PREFIX = "lambda-async-dev"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
TIMINGS: dict[str, float] = {}


def function_arn(stack, name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-{stack}-{name}"


def synthesize(endpoint, workdir, stack, archive_cache, monkeypatch):
    """Synthesize ``stack`` for the emulator into ``workdir/cdktf.out``, packaging into ``archive_cache``."""
    monkeypatch.setenv(CACHE_ENV, str(archive_cache))
    app = App(outdir=str(workdir / "cdktf.out"))
    STACKS[stack](app, stack, settings=Settings(emulator_endpoint=endpoint, recursion_config=False))
    app.synth()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """(endpoint, work folder) of a moto server for this module's tests (per test worker), always stopped."""
    workdir = tmp_path_factory.mktemp("emulator")
    with moto_server(workdir / "moto.log") as endpoint:
        yield endpoint, workdir
    for stack, seconds in TIMINGS.items():
        print(f"\n{stack}: deploy + verify + plan + destroy {seconds:.1f} s")


@pytest.fixture
def aws(emulator):
    endpoint, _ = emulator
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    return lambda service: session.client(service, endpoint_url=endpoint)


class Terraform:
    def __init__(self, emulator, stack):
        endpoint, workdir = emulator
        self.cwd = workdir / "cdktf.out" / "stacks" / stack
        self.env = client_environment(endpoint)
        self.state = workdir / f"{stack}.tfstate"

    def __call__(self, *args, ok_codes=(0,)):
        return run_terraform(self.cwd, *args, env=self.env, ok_codes=ok_codes)

    def deploy(self):
        self("init", "-input=false", "-reconfigure", f"-backend-config=path={self.state}")
        self("apply", "-auto-approve", "-input=false")

    def outputs(self):
        return {k: v["value"] for k, v in json.loads(self("output", "-json").stdout).items()}

    def plan_changes(self, moto_dropped=()):
        """What a refreshing plan would change ("" when nothing): the live resources against the configuration.

        ``moto_dropped``: (resource type, attribute) pairs moto does not store (a function's
        ``dead_letter_config``: moto 5.2.1 neither keeps nor returns it), so a plan always proposes to
        set them again. A change of only those is no change of the wiring; any other change is.
        """
        plan = self.cwd / "after-apply.plan"
        result = self("plan", "-detailed-exitcode", "-input=false", "-out", str(plan), ok_codes=(0, 1, 2))
        text = "" if result.returncode == 0 else result.stdout[-3000:] + result.stderr[-2000:]
        if result.returncode != 2 or not moto_dropped:
            return text
        changes = json.loads(self("show", "-json", str(plan)).stdout)["resource_changes"]
        unexplained = [change["address"] for change in changes if not only_dropped(change, set(moto_dropped))]
        return f"{', '.join(unexplained)}:\n{text}" if unexplained else ""


def only_dropped(change, dropped):
    """Whether ``change`` sets nothing but attributes moto dropped (absent before, nothing unknown)."""
    detail = change["change"]
    if detail["actions"] == ["no-op"]:
        return True
    if detail["actions"] != ["update"] or any(value is True for value in (detail.get("after_unknown") or {}).values()):
        return False
    before, after = detail["before"] or {}, detail["after"] or {}
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    return all((change["type"], key) in dropped and not before.get(key) for key in changed)


def invoke_config(aws, function_name):
    return aws("lambda").get_function_event_invoke_config(FunctionName=function_name, Qualifier="$LATEST")


def inline_policy(aws, role_name):
    return aws("iam").get_role_policy(RoleName=role_name, PolicyName="default")["PolicyDocument"]


def statements_with(policy, action):
    return [
        s for s in policy["Statement"] if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]


def resources_of(statement):
    return sorted(statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])


def assert_nothing_left(aws, stack):
    names = [f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]]
    roles = [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    queues = aws("sqs").list_queues().get("QueueUrls", [])
    rules = aws("events").list_rules()["Rules"]
    assert [n for n in names + roles + queues if f"-{stack}-" in n] == []
    assert rules == []


def as_if_freshly_checked_out(emulator, stack, monkeypatch):
    """New mtimes on every file under functions/, then synthesize again with an empty archive cache."""
    endpoint, workdir = emulator
    now = time.time()
    for path in FUNCTIONS_DIR.rglob("*"):
        if path.is_file():
            os.utime(path, (now, now))
    synthesize(endpoint, workdir, stack, workdir / f"archives-{now}", monkeypatch)


def deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch, moto_dropped=()):
    started = time.monotonic()
    endpoint, workdir = emulator
    synthesize(endpoint, workdir, stack, workdir / "archives", monkeypatch)
    terraform = Terraform(emulator, stack)
    try:
        terraform.deploy()
        verify(terraform.outputs())
        # AND one refreshing plan finds nothing to change: the resources read back as applied, and code
        # packaged again from files with new mtimes (as in another checkout) is the same code.
        as_if_freshly_checked_out(emulator, stack, monkeypatch)
        changes = terraform.plan_changes(moto_dropped)
        assert changes == "", f"plan after apply and re-packaging must show no change:\n{changes}"
    finally:
        # A teardown needs no refresh: each refresh starts the provider again (seconds of CPU).
        terraform("destroy", "-auto-approve", "-input=false", "-refresh=false")
    assert_nothing_left(aws, stack)
    TIMINGS[stack] = time.monotonic() - started


def test_function_destination_stack(emulator, aws, monkeypatch):
    stack = "function-destination"

    def verify(outputs):
        first, second = function_arn(stack, "First"), function_arn(stack, "Second")
        config = invoke_config(aws, outputs["first_function_name"])
        assert config["DestinationConfig"]["OnSuccess"]["Destination"] == second
        (invoke,) = statements_with(inline_policy(aws, f"{PREFIX}-{stack}-First-role"), "lambda:InvokeFunction")
        assert resources_of(invoke) == [second, f"{second}:*"]
        assert outputs["first_function_arn"] == first
        # moto ignores in-place updates of an invoke config, so the update path is exercised as a replace
        terraform = Terraform(emulator, stack)
        config_address = next(
            line for line in terraform("state", "list").stdout.split() if "event_invoke_config" in line
        )
        terraform("apply", "-auto-approve", "-input=false", "-refresh=false", f"-replace={config_address}")
        replaced = invoke_config(aws, outputs["first_function_name"])
        assert replaced["DestinationConfig"]["OnSuccess"]["Destination"] == second

    deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch)


def test_sqs_destination_stack(emulator, aws, monkeypatch):
    stack = "sqs-destination"

    def verify(outputs):
        config = invoke_config(aws, outputs["first_function_name"])
        assert config["DestinationConfig"]["OnSuccess"]["Destination"] == outputs["queue_arn"]
        attributes = aws("sqs").get_queue_attributes(QueueUrl=outputs["queue_url"], AttributeNames=["All"])[
            "Attributes"
        ]
        assert attributes["QueueArn"] == outputs["queue_arn"]
        (send,) = statements_with(inline_policy(aws, f"{PREFIX}-{stack}-First-role"), "sqs:SendMessage")
        assert sorted(send["Action"]) == ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
        assert resources_of(send) == [outputs["queue_arn"]]

    deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch)


def test_response_only_stack(emulator, aws, monkeypatch):
    stack = "response-only"

    def verify(outputs):
        first, second = function_arn(stack, "First"), function_arn(stack, "Second")
        config = invoke_config(aws, outputs["first_function_name"])
        assert config["DestinationConfig"]["OnSuccess"]["Destination"] == DEFAULT_BUS
        (put,) = statements_with(inline_policy(aws, f"{PREFIX}-{stack}-First-role"), "events:PutEvents")
        assert resources_of(put) == [DEFAULT_BUS]
        rule_name = outputs["rule_arn"].rsplit("/", 1)[1]
        rule = aws("events").describe_rule(Name=rule_name)
        assert json.loads(rule["EventPattern"]) == {
            "source": ["lambda", "aws.lambda"],
            "detail-type": ["Lambda Function Invocation Result - Success"],
            "resources": [f"{first}:$LATEST"],
        }
        (target,) = aws("events").list_targets_by_rule(Rule=rule_name)["Targets"]
        assert (target["Arn"], target["InputPath"]) == (second, "$.detail.responsePayload")
        (permission,) = json.loads(aws("lambda").get_policy(FunctionName=outputs["second_function_name"])["Policy"])[
            "Statement"
        ]
        assert permission["Principal"] == {"Service": "events.amazonaws.com"}
        assert permission["Condition"]["ArnLike"]["AWS:SourceArn"] == outputs["rule_arn"]

    deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch)


def test_self_invoking_stack(emulator, aws, monkeypatch):
    stack = "self-invoking"

    def verify(outputs):
        own = function_arn(stack, "LongJob")
        config = invoke_config(aws, outputs["long_job_function_name"])
        assert config["MaximumRetryAttempts"] == 0
        queue_arn = aws("sqs").get_queue_attributes(QueueUrl=outputs["failure_queue_url"], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn
        (invoke,) = statements_with(inline_policy(aws, f"{PREFIX}-{stack}-LongJob-role"), "lambda:InvokeFunction")
        assert resources_of(invoke) == [own, f"{own}:*"]
        environment = aws("lambda").get_function_configuration(FunctionName=outputs["long_job_function_name"])[
            "Environment"
        ]
        assert environment["Variables"]["MAX_CHAIN_DEPTH"] == "100"

    deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch)


def test_long_job_api_stack(emulator, aws, monkeypatch):
    stack = "long-job-api"

    def verify(outputs):
        apis = aws("apigatewayv2").get_apis()["Items"]
        (api,) = [a for a in apis if a["Name"] == f"{PREFIX}-{stack}-Api"]
        assert outputs["api_url"] == api["ApiEndpoint"]
        routes = aws("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]
        assert sorted((r["RouteKey"], r["AuthorizationType"]) for r in routes) == [
            ("GET /jobs/{job_id}", "AWS_IAM"),
            ("POST /jobs", "AWS_IAM"),
        ]
        (integration,) = aws("apigatewayv2").get_integrations(ApiId=api["ApiId"])["Items"]
        own = function_arn(stack, "LongJob")
        assert (integration["IntegrationType"], integration["IntegrationUri"], integration["PayloadFormatVersion"]) == (
            "AWS_PROXY",
            own,
            "2.0",
        )
        assert {r["Target"] for r in routes} == {f"integrations/{integration['IntegrationId']}"}
        stage = aws("apigatewayv2").get_stage(ApiId=api["ApiId"], StageName="$default")
        assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 10
        assert stage["AccessLogSettings"]["DestinationArn"].endswith(f":log-group:/aws/apigateway/{PREFIX}-{stack}-Api")
        (permission,) = json.loads(aws("lambda").get_policy(FunctionName=outputs["long_job_function_name"])["Policy"])[
            "Statement"
        ]
        assert permission["Principal"] == {"Service": "apigateway.amazonaws.com"}
        assert permission["Condition"]["ArnLike"]["AWS:SourceArn"] == (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api['ApiId']}/*"
        )
        table = aws("dynamodb").describe_table(TableName=outputs["jobs_table_name"])["Table"]
        assert sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]) == [
            ("item", "RANGE"),
            ("job_id", "HASH"),
        ]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = aws("dynamodb").describe_time_to_live(TableName=outputs["jobs_table_name"])["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
        environment = aws("lambda").get_function_configuration(FunctionName=outputs["long_job_function_name"])[
            "Environment"
        ]
        assert environment["Variables"]["JOBS_TABLE"] == outputs["jobs_table_name"]

    deploy_verify_destroy(emulator, aws, stack, verify, monkeypatch)
    assert aws("dynamodb").list_tables()["TableNames"] == []
    assert aws("apigatewayv2").get_apis()["Items"] == []


def test_queue_consumer_stack(emulator, aws, monkeypatch):
    stack = "queue-consumer"

    def verify(outputs):
        first, consumer = function_arn(stack, "First"), function_arn(stack, "Consumer")
        sqs = aws("sqs")
        work = sqs.get_queue_attributes(QueueUrl=outputs["work_queue_url"], AttributeNames=["All"])["Attributes"]
        work_dead_letters = sqs.get_queue_attributes(
            QueueUrl=outputs["work_dead_letter_queue_url"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        first_dead_letters = sqs.get_queue_attributes(
            QueueUrl=outputs["first_dead_letter_queue_url"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        # First's successes go to Work, its failed events to FirstDeadLetters, which its role may send to
        config = invoke_config(aws, outputs["first_function_name"])
        assert config["DestinationConfig"]["OnSuccess"]["Destination"] == outputs["work_queue_arn"] == work["QueueArn"]
        # (moto 5.2.1 neither stores nor returns a function's DeadLetterConfig: the JSON tests show it is
        # written, tests/components/test_dead_letter.py; here, the grant Lambda checks for it)
        assert "DeadLetterConfig" not in aws("lambda").get_function_configuration(FunctionName=first)
        dead_letter_policy = aws("iam").get_role_policy(
            RoleName=f"{PREFIX}-{stack}-First-role", PolicyName="dead-letter"
        )["PolicyDocument"]
        (send,) = statements_with(dead_letter_policy, "sqs:SendMessage")
        assert (send["Action"], resources_of(send)) == ("sqs:SendMessage", [first_dead_letters])
        # Work: visibility six times Consumer's timeout, redrive to WorkDeadLetters after 3 receives
        assert work["VisibilityTimeout"] == "180"
        assert json.loads(work["RedrivePolicy"]) == {"deadLetterTargetArn": work_dead_letters, "maxReceiveCount": 3}
        assert first_dead_letters != work_dead_letters
        # Consumer reads Work as configured, and may receive, delete and read attributes of Work only
        (mapping,) = aws("lambda").list_event_source_mappings(FunctionName=consumer)["EventSourceMappings"]
        assert (mapping["EventSourceArn"], mapping["FunctionArn"], mapping["BatchSize"]) == (
            work["QueueArn"],
            consumer,
            10,
        )
        (consume,) = statements_with(inline_policy(aws, f"{PREFIX}-{stack}-Consumer-role"), "sqs:ReceiveMessage")
        assert sorted(consume["Action"]) == ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
        assert resources_of(consume) == [work["QueueArn"]]
        concurrency = aws("lambda").get_function_concurrency(FunctionName=consumer)
        assert concurrency["ReservedConcurrentExecutions"] == 2

    # A plan after apply proposes nothing but setting First's dead-letter config again, which moto dropped.
    deploy_verify_destroy(
        emulator, aws, stack, verify, monkeypatch, moto_dropped=[("aws_lambda_function", "dead_letter_config")]
    )
    assert aws("lambda").list_event_source_mappings()["EventSourceMappings"] == []
