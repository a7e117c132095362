"""Deployment settings: the one place region, names and state backend come from.

Read from environment variables (defaults in brackets):
- ``AWS_REGION`` or ``AWS_DEFAULT_REGION`` [us-east-1]
- ``NAME_PREFIX`` [lambda-async] and ``DEPLOY_ENV`` [dev]: every physical name starts with
  ``<NAME_PREFIX>-<DEPLOY_ENV>-``
- ``TF_STATE_BUCKET``: when set, state goes to this S3 bucket (key ``<prefix>/<env>/<stack>.tfstate``,
  region ``TF_STATE_REGION`` [the deploy region], locking with an S3 lock file); otherwise local
  ``terraform.<stack>.tfstate`` files in ``TF_STATE_DIR`` [the project folder; ``.emulator/state``
  with an emulator]
- ``LAMBDA_RECURSION_CONFIG`` [on; off with an emulator]: ``off`` skips
  ``aws_lambda_function_recursion_config`` (emulators such as moto lack that API)
- ``EMULATOR_ENDPOINT``: e.g. ``http://127.0.0.1:5000``; synthesizes for a local emulator (moto
  server): the provider skips the credential checks an emulator cannot answer and accepts only the
  emulator's account (``EMULATOR_ACCOUNT_ID``). Terraform reaches the emulator through
  ``AWS_ENDPOINT_URL``, the AWS SDKs' standard variable, which ``tools/emulator.py`` and ``./cdktf``
  set to the same URL. Nothing else changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from components.errors import ConfigurationError

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9]{0,9}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENDPOINT = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?/?$")
# moto's account (moto's default, and what tools/emulator.py starts it with).
EMULATOR_ACCOUNT_ID = "123456789012"
_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


@dataclass(frozen=True)
class Settings:
    region: str = "us-east-1"
    name_prefix: str = "lambda-async"
    environment: str = "dev"
    state_bucket: str | None = None
    state_region: str | None = None
    recursion_config: bool = True
    emulator_endpoint: str | None = None
    state_dir: str | None = None

    def __post_init__(self) -> None:
        if not _REGION.match(self.region):
            raise ConfigurationError(f"region must look like 'us-east-1' (AWS_REGION); got {self.region!r}")
        if not _NAME_PREFIX.match(self.name_prefix):
            raise ConfigurationError(
                "name_prefix (NAME_PREFIX) must be 1–20 characters: lowercase letters, digits and '-', "
                f"starting with a letter; got {self.name_prefix!r}"
            )
        if not _ENVIRONMENT.match(self.environment):
            raise ConfigurationError(
                "environment (DEPLOY_ENV) must be 1–10 lowercase letters or digits, starting with a letter; "
                f"got {self.environment!r}"
            )
        if self.state_bucket is not None and not _BUCKET.match(self.state_bucket):
            raise ConfigurationError(
                f"state_bucket (TF_STATE_BUCKET) must be a valid S3 bucket name; got {self.state_bucket!r}"
            )
        if self.state_region is not None and not _REGION.match(self.state_region):
            raise ConfigurationError(
                f"state_region (TF_STATE_REGION) must look like 'us-east-1'; got {self.state_region!r}"
            )

        if self.state_dir is not None and not os.path.isabs(self.state_dir):
            raise ConfigurationError(
                f"state_dir (TF_STATE_DIR) must be an absolute folder path; got {self.state_dir!r}"
            )
        if self.emulator_endpoint is not None and not _ENDPOINT.match(self.emulator_endpoint):
            raise ConfigurationError(
                "emulator_endpoint (EMULATOR_ENDPOINT) must be an http(s)://host[:port] URL; "
                f"got {self.emulator_endpoint!r}"
            )

    @property
    def resource_prefix(self) -> str:
        return f"{self.name_prefix}-{self.environment}"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        emulator_endpoint = environ.get("EMULATOR_ENDPOINT") or None
        switch = environ.get("LAMBDA_RECURSION_CONFIG", "off" if emulator_endpoint else "on").strip().lower()
        if switch not in _SWITCH:
            raise ConfigurationError(
                f"LAMBDA_RECURSION_CONFIG must be 'on' or 'off'; got {environ['LAMBDA_RECURSION_CONFIG']!r}"
            )
        return cls(
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or cls.region,
            name_prefix=environ.get("NAME_PREFIX") or cls.name_prefix,
            environment=environ.get("DEPLOY_ENV") or cls.environment,
            state_bucket=environ.get("TF_STATE_BUCKET") or None,
            state_region=environ.get("TF_STATE_REGION") or None,
            recursion_config=_SWITCH[switch],
            emulator_endpoint=emulator_endpoint,
            state_dir=environ.get("TF_STATE_DIR") or None,
        )
