"""Settings: defaults, environment variables and their validation."""

import pytest

from components import ConfigurationError
from stacks import Settings


def test_defaults_apply_when_nothing_is_set():
    settings = Settings.from_environment({})
    assert settings == Settings(region="us-east-1", name_prefix="lambda-async", environment="dev")
    assert settings.resource_prefix == "lambda-async-dev"
    assert settings.state_bucket is None and settings.recursion_config is True


def test_environment_variables_override_the_defaults():
    settings = Settings.from_environment(
        {
            "AWS_REGION": "eu-west-1",
            "NAME_PREFIX": "orders",
            "DEPLOY_ENV": "prod",
            "TF_STATE_BUCKET": "my-state",
            "TF_STATE_REGION": "eu-central-1",
            "LAMBDA_RECURSION_CONFIG": "off",
        }
    )
    assert settings == Settings("eu-west-1", "orders", "prod", "my-state", "eu-central-1", False)


def test_aws_default_region_is_used_when_aws_region_is_absent():
    assert Settings.from_environment({"AWS_DEFAULT_REGION": "ap-southeast-2"}).region == "ap-southeast-2"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AWS_REGION": "mars"}, r"region must look like 'us-east-1' \(AWS_REGION\); got 'mars'"),
        ({"NAME_PREFIX": "Has Spaces"}, r"name_prefix \(NAME_PREFIX\) must be 1–20 characters.*got 'Has Spaces'"),
        ({"NAME_PREFIX": "a" * 21}, r"name_prefix \(NAME_PREFIX\) must be 1–20 characters"),
        ({"DEPLOY_ENV": "production1"}, r"environment \(DEPLOY_ENV\) must be 1–10 lowercase letters or digits"),
        (
            {"TF_STATE_BUCKET": "Bad_Bucket"},
            r"state_bucket \(TF_STATE_BUCKET\) must be a valid S3 bucket name; got 'Bad_Bucket'",
        ),
        ({"TF_STATE_REGION": "x"}, r"state_region \(TF_STATE_REGION\) must look like 'us-east-1'; got 'x'"),
        ({"TF_STATE_DIR": "state"}, r"state_dir \(TF_STATE_DIR\) must be an absolute folder path; got 'state'"),
        ({"LAMBDA_RECURSION_CONFIG": "maybe"}, r"LAMBDA_RECURSION_CONFIG must be 'on' or 'off'; got 'maybe'"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(environ, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_environment(environ)
