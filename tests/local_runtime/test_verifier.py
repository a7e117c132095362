"""The verifier (lambda-local inspect): the shipped stacks verify clean; wirings broken on purpose are each caught."""

import copy
import json
from pathlib import Path

import pytest

from components import runtimes as component_runtimes
from local_runtime import lambda_runtimes
from local_runtime.cli import main as lambda_local
from local_runtime.engine import Engine
from local_runtime.model import load_stacks, read_stack
from local_runtime.verifier import check, diagram_markdown, render
from main import STACKS
from tools.inspect import GENERATED_BY

DOCS_WIRING = Path(__file__).resolve().parents[2] / "docs" / "wiring.md"


@pytest.fixture(scope="module")
def documents(synthesized_app):
    return {p.parent.name: json.loads(p.read_text()) for p in (synthesized_app / "stacks").glob("*/cdk.tf.json")}


def main(argv):
    """``lambda-local inspect ARGV...``, its output on the test's stdout and stderr."""
    return lambda_local(["inspect", *argv])


def problems_of(name, document):
    return check(read_stack(name, document)).problems


def function_resource(document, label):
    """The ``aws_lambda_function`` body of a function, by construct path."""
    for body in document["resource"]["aws_lambda_function"].values():
        if body["//"]["metadata"]["path"].endswith(f"/{label}/Resource"):
            return body
    raise AssertionError(label)


def policy_document(document, function_label):
    """The default policy document data source of a function, by construct path."""
    for body in document["data"]["aws_iam_policy_document"].values():
        if body["//"]["metadata"]["path"].endswith(f"/{function_label}/DefaultPolicyDocument/Resource"):
            return body
    raise AssertionError(function_label)


def test_the_shipped_stacks_verify_clean(synthesized_app, capsys):
    assert main([str(synthesized_app)]) == 0
    assert "6 stacks, 14 hops verified, 0 problem(s)" in capsys.readouterr().out


def test_a_destination_whose_grant_was_removed_is_reported(documents):
    # GIVEN First's permission to invoke Second removed
    broken = copy.deepcopy(documents["function-destination"])
    policy = policy_document(broken, "First")
    policy["statement"] = [s for s in policy["statement"] if s["actions"] != ["lambda:InvokeFunction"]]
    # THEN the hop is reported as not allowed
    assert problems_of("function-destination", broken) == [
        "First --on_success--> lambda_function:Second: role First/ServiceRole does not allow lambda:InvokeFunction on it"
    ]


def test_a_function_whose_role_is_not_in_the_stack_is_denied_as_the_engine_denies_it(documents, synthesized_app):
    # GIVEN First given a role by the ARN of a role outside the stack (so nothing says what it allows)
    changed = copy.deepcopy(documents["function-destination"])
    first = next(b for b in changed["resource"]["aws_lambda_function"].values() if b["function_name"].endswith("First"))
    first["role"] = "arn:aws:iam::123456789012:role/elsewhere"
    stack = read_stack("function-destination", changed, directory=synthesized_app / "stacks" / "function-destination")
    # THEN the verifier denies its destination hop, as the engine does when it runs
    report = check(stack)
    assert "First --on_success--> lambda_function:Second (denied)" in report.hops
    assert (
        "First --on_success--> lambda_function:Second: role (none) does not allow lambda:InvokeFunction on it"
        in report.problems
    )
    with Engine(stack) as engine:
        run = engine.invoke_async("First", {"numbers": [1]})
    (delivery,) = run.deliveries
    assert delivery["allowed"] is False
    assert delivery["reason"].startswith("role (none) does not allow lambda:InvokeFunction on ")


def test_an_eventbridge_target_without_permission_is_reported(documents):
    broken = copy.deepcopy(documents["response-only"])
    del broken["resource"]["aws_lambda_permission"]
    assert problems_of("response-only", broken) == [
        "cloudwatch_event_rule:First/EventInvokeConfig/Success/Rule.name --> Second: "
        "no lambda permission lets events.amazonaws.com invoke it from that rule"
    ]


def test_a_permission_without_source_arn_is_reported(documents):
    broken = copy.deepcopy(documents["response-only"])
    for permission in broken["resource"]["aws_lambda_permission"].values():
        del permission["source_arn"]
    # THEN the permission is reported, and the target hop is no longer allowed from that rule only
    assert problems_of("response-only", broken) == [
        "lambda permission First/EventInvokeConfig/Success/InvokePermission has no source_arn: "
        "any events.amazonaws.com resource could invoke",
        "cloudwatch_event_rule:First/EventInvokeConfig/Success/Rule.name --> Second: "
        "no lambda permission lets events.amazonaws.com invoke it from that rule",
    ]


def test_wildcard_actions_and_resources_are_reported(documents):
    broken = copy.deepcopy(documents["sqs-destination"])
    policy = policy_document(broken, "First")
    policy["statement"].append({"actions": ["lambda:*"], "effect": "Allow", "resources": ["*"]})
    assert problems_of("sqs-destination", broken) == [
        "role First/ServiceRole allows the wildcard action 'lambda:*'",
        "role First/ServiceRole allows lambda:* on every resource ('*')",
    ]


def test_xray_is_the_one_accepted_star_resource(documents):
    traced = copy.deepcopy(documents["sqs-destination"])
    policy_document(traced, "First")["statement"].append(
        {"actions": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "effect": "Allow", "resources": ["*"]}
    )
    assert problems_of("sqs-destination", traced) == []


def test_a_permission_nothing_uses_is_reported(documents):
    broken = copy.deepcopy(documents["sqs-destination"])
    policy_document(broken, "First")["statement"].append(
        {"actions": ["sns:Publish"], "effect": "Allow", "resources": ["arn:aws:sns:us-east-1:111122223333:alerts"]}
    )
    assert problems_of("sqs-destination", broken) == [
        "role First/ServiceRole allows sns:Publish on arn:aws:sns:us-east-1:111122223333:alerts, which no hop uses"
    ]


def test_a_wildcard_grant_still_allows_the_hop_it_covers(documents):
    # GIVEN First's grant replaced by Invoke* on every function in the account
    broad = copy.deepcopy(documents["function-destination"])
    policy = policy_document(broad, "First")
    policy["statement"] = [s for s in policy["statement"] if s["actions"] != ["lambda:InvokeFunction"]] + [
        {"actions": ["lambda:Invoke*"], "effect": "Allow", "resources": ["*"]}
    ]
    problems = problems_of("function-destination", broad)
    # THEN the hop is allowed, but the wildcards are reported
    assert not any("does not allow" in p for p in problems)
    assert "role First/ServiceRole allows the wildcard action 'lambda:Invoke*'" in problems


def test_json_output_lists_hops_and_problems(synthesized_app, capsys):
    assert main([str(synthesized_app), "--json"]) == 0
    reports = {r["stack"]: r for r in json.loads(capsys.readouterr().out)}
    assert sorted(reports) == sorted(STACKS)
    assert reports["self-invoking"]["hops"][0] == "LongJob -> itself (asynchronous self-invocation)"
    assert all(r["problems"] == [] for r in reports.values())


def test_the_committed_wiring_diagram_is_current(synthesized_app):
    reports = [check(stack) for stack in load_stacks(synthesized_app)]
    assert DOCS_WIRING.read_text() == diagram_markdown(reports, GENERATED_BY), (
        "run: python -m tools.inspect --diagram docs/wiring.md"
    )


def test_aws_defaults_are_printed_as_defaults(synthesized_app, capsys):
    assert main([str(synthesized_app)]) == 0
    text = capsys.readouterr().out
    assert (
        "async invoke First:$LATEST retries=2 (default) max_event_age=21600 (default) on_success=lambda_function:Second"
        in text
    )
    assert "async invoke LongJob:$LATEST retries=0 max_event_age=21600 (default)" in text


def test_a_malformed_stack_file_is_one_line_naming_the_file(tmp_path, capsys):
    broken = tmp_path / "stacks" / "one" / "cdk.tf.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"resource": {"aws_lambda_function": []}}')
    assert main([str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {broken}: resource type 'aws_lambda_function' must map logical ids to objects\n"
    )


def test_aliases_s3_and_existing_resources_verify_and_are_drawn(extras_outdir):
    # GIVEN the extras stack WHEN verified
    (stack,) = load_stacks(extras_outdir)
    report = check(stack)
    # THEN every hop is allowed with exactly what it needs, and the diagram shows each
    assert report.problems == []
    assert report.hops == [
        "First:live --on_success--> lambda_alias:Second/Alias-live (allowed: lambda:InvokeFunction)",
        "First:live --on_failure--> s3_bucket:Failures (allowed: s3:PutObject, s3:ListBucket)",
        "First --on_success--> arn:aws:sqs:us-east-1:111122223333:orders (allowed: sqs:SendMessage)",
        "First --on_failure--> arn:aws:lambda:us-east-1:111122223333:function:audit (allowed: lambda:InvokeFunction)",
    ]
    assert '  fn_First -- "on success (live)" --> fn_Second' in report.diagram.splitlines()
    assert '  fn_First -- "on failure (live)" --> s3_bucket_Failures' in report.diagram.splitlines()


def test_an_s3_grant_without_list_bucket_is_reported(extras_outdir):
    (stack,) = load_stacks(extras_outdir)
    document = copy.deepcopy(stack.document)
    policy = policy_document(document, "First")
    policy["statement"] = [s for s in policy["statement"] if s["actions"] != ["s3:ListBucket"]]
    assert problems_of("extras", document) == [
        "First:live --on_failure--> s3_bucket:Failures: role First/ServiceRole does not allow s3:ListBucket on it"
    ]


# --- dead-letter queues, queue consumers, subscriptions and notifications (provider-class corpus) ---------


@pytest.fixture(scope="module")
def corpus(provider_classes_outdir):
    return {s.name: s for s in load_stacks(provider_classes_outdir)}


def test_a_dead_letter_queue_the_role_may_not_send_to_is_reported(corpus):
    report = check(corpus["dead-letters"])
    # THEN the two allowed dead-letter hops use their grants; the denied one is the only problem
    assert "Failing --dead_letter--> sqs_queue:Dead (allowed: sqs:SendMessage)" in report.hops
    assert "ToTopic --dead_letter--> sns_topic:DeadTopic (allowed: sns:Publish)" in report.hops
    assert report.problems == [
        "Denied --dead_letter--> sqs_queue:Dead: role DeniedRole does not allow sqs:SendMessage on it: "
        "Lambda drops the failed event (DeadLetterErrors)"
    ]


def test_a_mapping_whose_role_may_not_poll_is_reported_and_the_others_use_their_grants(corpus):
    report = check(corpus["consumers"])
    hops = sorted(h for h in report.hops if "event source mapping" in h)
    allowed = "(allowed: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes)"
    # THEN the one mapping whose role may not poll is denied, the disabled one says so, the rest are allowed
    assert [h for h in hops if not h.endswith(allowed)] == [
        "sqs_queue:Idle --event source mapping--> Idler "
        "(allowed: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes; disabled)",
        "sqs_queue:Orphan --event source mapping--> Orphaned (denied)",
    ]
    assert f"sqs_queue:Work --event source mapping--> Consumer {allowed}" in hops and len(hops) == 11
    # AND the receive grants are used (no "which no hop uses"), each problem said once
    assert report.problems == [
        "sqs_queue:Orphan --event source mapping--> Orphaned: role OrphanRole does not allow sqs:ReceiveMessage, "
        "sqs:DeleteMessage, sqs:GetQueueAttributes on the queue: Lambda refuses the mapping"
    ]


def test_subscriptions_notifications_and_rule_queue_targets_need_their_sources_permission(corpus):
    # GIVEN the sdk stack: topics, a bucket and a rule sending to queues, each with a queue policy for its source
    clean = check(corpus["sdk"])
    # (its only problems: Unprivileged's code reaches seven resources its role grants nothing on)
    reached = [
        ("s3_bucket:Store", "BUCKET", "s3:PutObject or s3:GetObject on its objects"),
        ("cloudwatch_event_bus:Bus", "BUS", "events:PutEvents"),
        ("sns_topic:Notices", "NOTICES_ARN", "sns:Publish"),
        ("sqs_queue:Inbox", "QUEUE_URL", "sqs:SendMessage"),
        ("dynamodb_table:Table", "TABLE", "dynamodb:GetItem, dynamodb:PutItem or another item action"),
        ("lambda_function:Target", "TARGET", "lambda:InvokeFunction"),
        ("sns_topic:Topic", "TOPIC_ARN", "sns:Publish"),
    ]
    assert clean.problems == [
        f"role NoGrants grants nothing on {resource}, which Unprivileged's code reaches through {variable} "
        f"(expected e.g. {expected})"
        for resource, variable, expected in reached
    ]
    unprivileged = clean.problems
    assert "Store notification --> sqs_queue:BucketInbox (allowed for s3.amazonaws.com from that source)" in clean.hops
    # WHEN the queue policies are removed
    document = copy.deepcopy(corpus["sdk"].document)
    del document["resource"]["aws_sqs_queue_policy"]
    # THEN each of the deliveries is reported, naming the service that may not send
    assert problems_of("sdk", document) == [
        "cloudwatch_event_rule:ProbeRule.name --> sqs_queue:BusInbox: the sqs policy of BusInbox does not let "
        "events.amazonaws.com sqs:SendMessage from ProbeRule",
        *(
            f"NoticesTo{queue} (Notices) --> sqs_queue:{queue}: the sqs policy of {queue} does not let "
            f"sns.amazonaws.com sqs:SendMessage from NoticesTo{queue} (Notices)"
            for queue in ("AttributeFiltered", "BodyFiltered")
        ),
        "NoticesToInbox (Notices) --> sqs_queue:NoticeInbox: the sqs policy of NoticeInbox does not let "
        "sns.amazonaws.com sqs:SendMessage from NoticesToInbox (Notices)",
        "TopicToInbox (Topic) --> sqs_queue:TopicInbox: the sqs policy of TopicInbox does not let "
        "sns.amazonaws.com sqs:SendMessage from TopicToInbox (Topic)",
        "Store notification --> sqs_queue:BucketInbox: the sqs policy of BucketInbox does not let "
        "s3.amazonaws.com sqs:SendMessage from Store notification",
        *unprivileged,
    ]


def test_each_stage_of_an_http_api_needs_the_permission_for_its_routes(corpus):
    # GIVEN http-stages: stages dev and prod, Echo permitted to API Gateway from <execution arn>/dev/* only
    report = check(corpus["http-stages"])
    # THEN each route is a hop from dev and a problem from prod, which would answer 500
    api = "Api"
    assert [h for h in report.hops if h.startswith(api)] == [
        f"{api} {route} --> Echo (NONE; allowed by a lambda permission for apigateway.amazonaws.com from stage dev "
        "of this API)"
        for route in ("GET /hello", "GET /limited", "GET /v1/hello")
    ]
    assert [p for p in report.problems if "stage" in p] == [
        f"{api} {route} --> Echo: no lambda permission lets apigateway.amazonaws.com invoke it from stage prod of "
        "this API"
        for route in ("GET /hello", "GET /limited", "GET /v1/hello")
    ]


def test_each_lambda_authorizer_needs_api_gateways_permission_as_that_authorizer(corpus):
    # GIVEN http-authorizers: Simple, Cached and Policy permitted from .../authorizers/<their id>, Doorman not
    report = check(corpus["http-authorizers"])
    # THEN three authorizer hops, and Doorman's a problem
    assert sorted(h for h in report.hops if " authorizer " in h) == [
        f"Api authorizer {name} --> {function} (allowed by a lambda permission for apigateway.amazonaws.com "
        "from that authorizer)"
        for name, function in (("cached", "CachedGate"), ("policy", "PolicyGate"), ("simple", "SimpleGate"))
    ]
    assert [p for p in report.problems if " authorizer " in p] == [
        "Api authorizer unpermitted --> Doorman: no lambda permission lets apigateway.amazonaws.com invoke it as "
        "this authorizer"
    ]


def test_a_denied_hop_is_printed_as_denied(corpus, provider_classes_outdir, capsys):
    assert main([str(provider_classes_outdir)]) == 1
    out = capsys.readouterr().out
    assert "hop DENIED: Denied --dead_letter--> sqs_queue:Dead (denied)" in out
    assert "hop ok: Failing --dead_letter--> sqs_queue:Dead (allowed: sqs:SendMessage)" in out


# --- what a function's code reaches through its environment ----------------------------------------------


@pytest.fixture(scope="module")
def cases(once_per_run):
    """The reports of tests/corpus/provider_classes/verifier_cases.py's stacks, synthesized once per run."""

    def synthesize(outdir):
        from cdktf import App

        from tests.corpus.provider_classes import verifier_cases

        app = App(outdir=str(outdir))
        verifier_cases.build(app)
        app.synth()

    return {s.name: check(s) for s in load_stacks(once_per_run("verifier-cases", synthesize))}


def test_a_code_hop_whose_grant_was_removed_is_a_problem_naming_what_the_code_needs(documents):
    # GIVEN LongJob's grants on the Jobs table (named by its JOBS_TABLE variable) removed
    broken = copy.deepcopy(documents["long-job-api"])
    policy = policy_document(broken, "LongJob")
    policy["statement"] = [s for s in policy["statement"] if not s["actions"][0].startswith("dynamodb:")]
    clean, report = check(read_stack("long-job-api", documents["long-job-api"])), check(read_stack("lj", broken))
    # THEN the hop stays, denied, and the problem names the role, the table, the variable and the grant expected
    assert "LongJob -> dynamodb_table:Jobs (its code, through JOBS_TABLE)" in clean.hops
    assert "LongJob -> dynamodb_table:Jobs (its code, through JOBS_TABLE) (denied)" in report.hops
    assert len(report.hops) == len(clean.hops)
    assert report.problems == [
        "role LongJob/ServiceRole grants nothing on dynamodb_table:Jobs, which LongJob's code reaches through "
        "JOBS_TABLE (expected e.g. dynamodb:GetItem, dynamodb:PutItem or another item action)"
    ]


def test_one_action_the_code_plausibly_needs_allows_each_kind_of_code_hop(cases):
    # GIVEN Writer, whose role allows one such action on a queue, topic, table, bucket (objects under a
    # prefix), bus, function and alias, and kms:Decrypt on a key (no rule covers keys)
    report = cases["code-hops"]
    # THEN every hop is allowed, and every grant is used: none is reported
    assert [h for h in report.hops if h.startswith("Writer ")] == [
        "Writer -> s3_bucket:Store (its code, through BUCKET)",
        "Writer -> cloudwatch_event_bus:Bus (its code, through BUS)",
        "Writer -> kms_key:Key (its code, through KEY_ID)",
        "Writer -> sqs_queue:Jobs (its code, through QUEUE_URL)",
        "Writer -> dynamodb_table:Items (its code, through TABLE_NAME)",
        "Writer -> lambda_function:Target (its code, through TARGET)",
        "Writer -> lambda_alias:Live (its code, through TARGET_LIVE)",
        "Writer -> sns_topic:Alerts (its code, through TOPIC_ARN)",
    ]
    assert not [p for p in report.problems if "Writer" in p or "role Role " in p]


def test_a_role_granting_nothing_on_what_its_code_reaches_gets_a_problem_per_variable(cases):
    # GIVEN Stranger: the same variables as Writer, and a role without a policy
    report = cases["code-hops"]
    # THEN each hop a rule covers is denied and named with the action expected; the key's is not checked
    assert "Stranger -> sqs_queue:Jobs (its code, through QUEUE_URL) (denied)" in report.hops
    assert (
        "Stranger -> kms_key:Key (its code, through KEY_ID) (no grant; no rule for type aws_kms_key: not checked)"
        in (report.hops)
    )
    assert [p for p in report.problems if "Stranger" in p] == [
        f"role StrangerRole grants nothing on {resource}, which Stranger's code reaches through {variable} "
        f"(expected e.g. {expected})"
        for resource, variable, expected in [
            ("s3_bucket:Store", "BUCKET", "s3:PutObject or s3:GetObject on its objects"),
            ("cloudwatch_event_bus:Bus", "BUS", "events:PutEvents"),
            ("sqs_queue:Jobs", "QUEUE_URL", "sqs:SendMessage"),
            ("dynamodb_table:Items", "TABLE_NAME", "dynamodb:GetItem, dynamodb:PutItem or another item action"),
            ("lambda_function:Target", "TARGET", "lambda:InvokeFunction"),
            ("lambda_alias:Live", "TARGET_LIVE", "lambda:InvokeFunction"),
            ("sns_topic:Alerts", "TOPIC_ARN", "sns:Publish"),
        ]
    ]


def test_a_grant_through_not_resource_allows_the_code_hop_as_iam_does(cases):
    # GIVEN Outsider, whose role may send to any resource but the topic (NotResource), and whose QUEUE names the queue
    report = cases["code-hops"]
    # THEN the hop is allowed: IAM evaluates NotResource, not only the resources a statement lists
    assert "Outsider -> sqs_queue:Jobs (its code, through QUEUE)" in report.hops
    assert not [p for p in report.problems if "Outsider" in p]


def test_a_grant_the_code_cannot_use_and_a_deny_are_named_as_such(cases):
    # GIVEN Peeker, allowed only sqs:GetQueueAttributes on its queue, and Forbidden, whose GetItem a Deny takes back
    report = cases["code-hops"]
    # THEN both are problems saying what the role does grant, and the first grant is still used
    assert [p for p in report.problems if "Peeker" in p or "Forbidden" in p] == [
        "role ForbiddenRole denies dynamodb:GetItem on dynamodb_table:Items, which Forbidden's code reaches through "
        "TABLE (expected e.g. dynamodb:GetItem, dynamodb:PutItem or another item action)",
        "role PeekerRole grants only sqs:GetQueueAttributes on sqs_queue:Jobs, which Peeker's code reaches through "
        "QUEUE_URL (expected e.g. sqs:SendMessage)",
    ]


# --- runtimes ---------------------------------------------------------------------------------------------


def test_the_runtime_table_is_the_components_one_and_every_successor_is_supported():
    # The components keep their own copy until they import this one: the two must not drift apart.
    assert lambda_runtimes.SUPPORTED_RUNTIMES == component_runtimes.SUPPORTED_RUNTIMES
    assert lambda_runtimes.REVIEWED == component_runtimes.REVIEWED
    assert {r: d.deprecated_on for r, d in lambda_runtimes.DEPRECATED_RUNTIMES.items()} == (
        component_runtimes.DEPRECATED_RUNTIMES
    )
    for runtime, deprecated in lambda_runtimes.DEPRECATED_RUNTIMES.items():
        assert deprecated.successor in lambda_runtimes.SUPPORTED_RUNTIMES, runtime
        assert deprecated.deprecated_on <= lambda_runtimes.REVIEWED, runtime
        if deprecated.create_blocked_on is not None:
            assert deprecated.create_blocked_on <= lambda_runtimes.REVIEWED, runtime


@pytest.mark.parametrize(
    ("runtime", "problem"),
    [
        (
            "python2.7",
            "function First runs python2.7, deprecated by AWS Lambda on 2021-07-15 and refused for new functions "
            "since 2021-07-15: move it to python3.14",
        ),
        (
            "nodejs12.x",
            "function First runs nodejs12.x, deprecated by AWS Lambda on 2023-03-31 and refused for new functions "
            "since 2023-03-31: move it to nodejs24.x",
        ),
        (
            "java99",
            "function First runs 'java99', which is not a runtime AWS Lambda offers for .zip archives: Lambda "
            "refuses it; supported: python3.11, python3.12, python3.13, python3.14, nodejs22.x, nodejs24.x, java8.al2, "
            "java8.al2023, java11, java11.al2023, java17, java17.al2023, java21, java25, dotnet10, ruby3.3, ruby3.4, "
            "ruby4.0, provided.al2023",
        ),
    ],
    ids=["no longer created", "no longer created since 2023", "unknown"],
)
def test_a_runtime_lambda_refuses_is_a_problem(documents, runtime, problem):
    # GIVEN First's runtime changed to one Lambda no longer creates functions on, or one it never had
    broken = copy.deepcopy(documents["function-destination"])
    function_resource(broken, "First")["runtime"] = runtime
    # THEN that is the one problem, naming the runtime, its dates and where to move
    assert problems_of("function-destination", broken) == [problem]


def test_a_deprecated_runtime_lambda_still_creates_functions_on_is_a_warning_with_its_date_and_successor(documents):
    # GIVEN First on nodejs20.x: deprecated, no security patches, still deployable
    aging = copy.deepcopy(documents["function-destination"])
    function_resource(aging, "First")["runtime"] = "nodejs20.x"
    report = check(read_stack("function-destination", aging))
    # THEN no problem, and a warning naming the date and the successor, printed after the problems
    assert report.problems == []
    warning = (
        "function First runs nodejs20.x, deprecated by AWS Lambda on 2026-04-30 (no security patches since; "
        "Lambda still creates functions on it): move it to nodejs24.x"
    )
    assert report.warnings == [warning]
    assert render(report).endswith(f"WARNING: {warning}")


def test_the_summary_line_counts_warnings_and_a_warning_alone_passes(documents, tmp_path, capsys):
    # GIVEN a stack's folder whose First runs nodejs20.x, deprecated but still deployable
    aging = copy.deepcopy(documents["function-destination"])
    function_resource(aging, "First")["runtime"] = "nodejs20.x"
    folder = tmp_path / "function-destination"
    folder.mkdir()
    (folder / "cdk.tf.json").write_text(json.dumps(aging))
    # WHEN it is inspected
    code = main([str(folder)])
    # THEN the check passes, and the last line counts the warning beside the problems
    assert code == 0
    assert capsys.readouterr().out.rstrip().endswith("1 stacks, 1 hops verified, 0 problem(s), 1 warning(s)")


def test_each_kind_of_runtime_gets_what_it_deserves(cases):
    # GIVEN one function per kind of runtime, a .zip one with none, and a container image
    report = cases["runtimes"]
    # THEN the supported runtime and the image say nothing; the others are named
    assert report.problems == [
        "function Ancient runs python2.7, deprecated by AWS Lambda on 2021-07-15 and refused for new functions "
        "since 2021-07-15: move it to python3.14",
        "function Invented runs 'python3.99', which is not a runtime AWS Lambda offers for .zip archives: Lambda "
        "refuses it; supported: " + ", ".join(lambda_runtimes.SUPPORTED_RUNTIMES),
        "function Unnamed names no runtime: Lambda requires one for a .zip archive",
    ]
    assert report.warnings == [
        "function Aging runs nodejs20.x, deprecated by AWS Lambda on 2026-04-30 (no security patches since; "
        "Lambda still creates functions on it): move it to nodejs24.x"
    ]


# --- the diagram: every hop verified ------------------------------------------------------------------------


def test_the_queue_consumer_diagram_draws_its_dead_letter_queue_and_the_mapping_to_consumer(synthesized_app):
    (stack,) = [s for s in load_stacks(synthesized_app) if s.name == "queue-consumer"]
    lines = check(stack).diagram.splitlines()
    assert '  fn_First -- "dead letter" --> sqs_queue_FirstDeadLetters' in lines
    assert '  sqs_queue_FirstDeadLetters[("sqs_queue:FirstDeadLetters")]' in lines
    # AND Consumer, which only reads the queue, is connected to it
    assert '  sqs_queue_Work -- "batches" --> fn_Consumer' in lines


def test_code_hops_are_dotted_and_reach_a_function_through_its_own_node(cases):
    lines = cases["code-hops"].diagram.splitlines()
    assert '  fn_Writer -. "QUEUE_URL" .-> sqs_queue_Jobs' in lines
    assert '  fn_Writer -. "TARGET" .-> fn_Target' in lines
    assert '  fn_Writer -. "TARGET_LIVE" .-> fn_Target' in lines
    # AND no second node stands for Target or its alias
    assert not [line for line in lines if "lambda_function_Target" in line or "lambda_alias" in line]


def test_subscriptions_notifications_disabled_mappings_and_custom_bus_rules_are_drawn(corpus):
    sdk = check(corpus["sdk"]).diagram.splitlines()
    assert '  sns_topic_Topic -- "subscription" --> sqs_queue_TopicInbox' in sdk
    assert '  s3_bucket_Store -- "s3:ObjectCreated:*" --> sqs_queue_BucketInbox' in sdk
    assert "  cloudwatch_event_bus_Bus --> rule_ProbeRule" in sdk
    assert '  sqs_queue_BusInbox[("sqs_queue:BusInbox")]' in sdk
    loops = check(corpus["loops"]).diagram.splitlines()
    assert '  sns_topic_LoopTopic -- "subscription" --> fn_TopicLooper' in loops
    consumers = check(corpus["consumers"]).diagram.splitlines()
    assert '  sqs_queue_Idle -- "batches (disabled)" --> fn_Idler' in consumers
