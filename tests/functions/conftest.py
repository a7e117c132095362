import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.functions.context import LambdaContext, load_function
from tests.support import FUNCTIONS_DIR


class SteppingClock:
    """A clock that advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class Timeline(list):
    """Every AWS call of a test's clients, ``"<service>.<Operation>"``, in the order the handler made them."""

    def watch(self, client):
        """Record the calls of a boto3 client (a stubbed one too: this runs before the Stubber answers)."""
        service = client.meta.service_model.service_name
        client.meta.events.register("before-parameter-build", lambda model, **_: self.append(f"{service}.{model.name}"))
        return client


class RecordingLambdaClient:
    """Stands in for ``boto3.client("lambda")`` in handler tests: asynchronous invokes are recorded.

    With a ``timeline``, each invoke is also written there, beside the calls of the test's other clients.
    """

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.queued: list[tuple[str, Any]] = []
        self.timeline = timeline if timeline is not None else Timeline()

    def invoke(self, *, FunctionName, InvocationType="RequestResponse", Payload=b"{}", **_):
        assert InvocationType == "Event", f"handlers hand off asynchronously; got InvocationType={InvocationType!r}"
        self.timeline.append("lambda.Invoke")
        self.queued.append((FunctionName, json.loads(Payload)))
        return {"StatusCode": 202}


def run_chain(module, event, *, timeout_ms=60_000, max_hops=1000):
    """``(events, results)`` of ``module.process`` on ``event`` and then every hop it queued, in order."""
    client, events = RecordingLambdaClient(), [event]
    results: list[Any] = []
    while len(results) < len(events):
        assert len(results) < max_hops, "the chain does not end"
        context = LambdaContext(function_name="long-job", timeout_ms=timeout_ms)
        results.append(module.process(events[len(results)], context, client))
        events += [payload for _, payload in client.queued]
        client.queued.clear()
    return events, results


@pytest.fixture
def context():
    return LambdaContext(function_name="long-job", timeout_ms=60_000)


@pytest.fixture
def long_job(monkeypatch):
    """A fresh long_job module (empty duplicate-hop memory), with no environment overrides."""
    for name in ("MAX_CHAIN_DEPTH", "SAFETY_MARGIN_MS", "STEP_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    return load_function("long_job", FUNCTIONS_DIR)


def stubbed_client(service):
    """(client, stubber) for a fixture to yield from: every queued response must be used."""
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def lambda_stub():
    yield from stubbed_client("lambda")
