"""Write a Terraform CLI configuration that uses an offline AWS provider mirror when one exists.

Prints the configuration file's path, for ``TF_CLI_CONFIG_FILE``. Standard library only, so the
Makefile can run it before any environment exists.

Mirror search order: ``$TF_PROVIDER_MIRROR``, ``/opt/tf-plugins``, ``/usr/share/terraform/plugins``,
``~/.terraform.d/plugins``. A mirror counts only if it holds the pinned AWS provider for this platform.
Without one, the file is the user's own CLI configuration (if ``TF_CLI_CONFIG_FILE`` or
``~/.terraformrc`` exists) or an empty one, and Terraform downloads from the registry as usual.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = PROJECT_ROOT / ".terraform-cli" / "terraformrc"
CANDIDATES = ("/opt/tf-plugins", "/usr/share/terraform/plugins", "~/.terraform.d/plugins")


def platform_dir() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), platform.machine()
    )
    return f"{sys.platform}_{machine}"


def find_mirror(environ: Mapping[str, str] = os.environ) -> Path | None:
    candidates = ([environ["TF_PROVIDER_MIRROR"]] if environ.get("TF_PROVIDER_MIRROR") else []) + list(CANDIDATES)
    for candidate in candidates:
        root = Path(candidate).expanduser()
        if (root / AWS_PROVIDER / AWS_PROVIDER_VERSION / platform_dir()).is_dir():
            return root
    return None


def config_text(mirror: Path | None, user_config: Path | None) -> str:
    base = user_config.read_text() if user_config else ""
    if mirror is None or "provider_installation" in base:
        return base
    return (
        f"{base}\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{AWS_PROVIDER}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{AWS_PROVIDER}"]\n'
        "  }\n"
        "}\n"
    )


def write_config(environ: Mapping[str, str] = os.environ) -> Path:
    existing = environ.get("TF_CLI_CONFIG_FILE")
    user_config = None
    for candidate in ([existing] if existing else []) + ["~/.terraformrc"]:
        path = Path(candidate).expanduser()
        if path.is_file() and path.resolve() != CONFIG_PATH.resolve():
            user_config = path
            break
    text = config_text(find_mirror(environ), user_config)
    CONFIG_PATH.parent.mkdir(parents=True, exist_ok=True)
    if not CONFIG_PATH.is_file() or CONFIG_PATH.read_text() != text:
        # Replaced, not rewritten in place: parallel test workers may read it meanwhile.
        partial = CONFIG_PATH.with_name(f"{CONFIG_PATH.name}.{os.getpid()}")
        partial.write_text(text)
        os.replace(partial, CONFIG_PATH)
    return CONFIG_PATH


if __name__ == "__main__":
    print(write_config())
