import boto3
import pytest
from botocore.stub import Stubber

from tools.lambda_local import LambdaContext, load_function


class SteppingClock:
    """A clock that advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def context():
    return LambdaContext(function_name="long-job", timeout_ms=60_000)


@pytest.fixture
def long_job(monkeypatch):
    """A fresh long_job module (empty duplicate-hop memory), with no environment overrides."""
    for name in ("MAX_CHAIN_DEPTH", "SAFETY_MARGIN_MS", "STEP_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    return load_function("long_job")


@pytest.fixture
def lambda_stub():
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()
