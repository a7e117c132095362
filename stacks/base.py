"""What every stack of this project shares: provider, tags, naming and state backend."""

from __future__ import annotations

from pathlib import Path

from cdktf import S3Backend, TerraformOutput, TerraformStack
from constructs import Construct
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

from components.naming import NAME_PREFIX_CONTEXT_KEY
from stacks.settings import Settings

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"


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

    def output(self, id: str, value: str, description: str) -> TerraformOutput:
        return TerraformOutput(self, id, value=value, description=description)
