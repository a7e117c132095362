"""What every stack of this project shares: provider, tags, naming and state backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdktf import LocalBackend, S3Backend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from components.naming import NAME_PREFIX_CONTEXT_KEY
from stacks.settings import EMULATOR_ACCOUNT_ID, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
# Emulator state lives apart from real state, so an emulator run never touches an AWS deployment's.
EMULATOR_STATE_DIR = PROJECT_ROOT / ".emulator" / "state"

# For a local emulator the provider takes its endpoint from AWS_ENDPOINT_URL (set by tools/emulator.py
# and ./cdktf), not from an `endpoints` block: with that block, AWS provider 5.100 spends ~3 s of CPU
# each time it validates its configuration (three times per apply; measured with `terraform validate`:
# 0.6 s for the provider without the block, 4.3 s with a one-service block). Accepting only the
# emulator's account keeps such a synth from deploying anywhere real if that variable is missing.
EMULATOR_PROVIDER_OPTIONS: dict[str, Any] = {
    "allowed_account_ids": [EMULATOR_ACCOUNT_ID],
    "skip_credentials_validation": True,
    "skip_metadata_api_check": "true",
}


class AppStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id)
        self.settings = settings
        self.node.set_context(NAME_PREFIX_CONTEXT_KEY, settings.resource_prefix)
        AwsProvider(
            self,
            "aws",
            region=settings.region,
            default_tags=[
                AwsProviderDefaultTags(
                    tags={"project": settings.name_prefix, "environment": settings.environment, "stack": id}
                )
            ],
            **(EMULATOR_PROVIDER_OPTIONS if settings.emulator_endpoint else {}),
        )
        if settings.state_bucket:
            backend = S3Backend(
                self,
                bucket=settings.state_bucket,
                key=f"{settings.name_prefix}/{settings.environment}/{id}.tfstate",
                region=settings.state_region or settings.region,
                encrypt=True,
            )
            # Terraform >= 1.10 locks S3 state with a lock object; cdktf's typed config predates it.
            backend.add_override("use_lockfile", True)
            if settings.emulator_endpoint:
                # The emulator serves buckets by path (http://127.0.0.1:<port>/<bucket>), not by host name;
                # everything else is the configuration a real deployment gets.
                backend.add_override("use_path_style", True)
        elif settings.state_dir or settings.emulator_endpoint:
            state_dir = Path(settings.state_dir) if settings.state_dir else EMULATOR_STATE_DIR
            LocalBackend(self, path=str(state_dir / f"terraform.{id}.tfstate"))

    def output(self, id: str, value: str, description: str) -> TerraformOutput:
        return TerraformOutput(self, id, value=value, description=description)
