"""Lambda code packaging: a folder becomes a ``TerraformAsset`` archive with a content hash.

Only source files are packaged: ``__pycache__`` folders and compiled files left behind by local
runs and tests are skipped, so the archive, its hash and therefore the deployed code change only
when the source changes.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from components.errors import ConfigurationError

_SKIPPED_DIRS = {"__pycache__", ".pytest_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def _source_files(code_dir: Path) -> list[Path]:
    return sorted(
        path
        for path in code_dir.rglob("*")
        if path.is_file()
        and not _SKIPPED_DIRS.intersection(path.relative_to(code_dir).parts)
        and path.suffix not in _SKIPPED_SUFFIXES
    )


def content_hash(code_dir: Path) -> str:
    """SHA-256 over the relative paths and bytes of every packaged file."""
    digest = hashlib.sha256()
    for path in _source_files(code_dir):
        digest.update(path.relative_to(code_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def code_asset(scope: Construct, id: str, code_dir: Path) -> TerraformAsset:
    """Package ``code_dir`` (an absolute folder) as a zip archive asset."""
    code_dir = Path(code_dir)
    if not code_dir.is_absolute():
        raise ConfigurationError(
            f"code must be an absolute folder path (build it from Path(__file__)); got {str(code_dir)!r}"
        )
    if not code_dir.is_dir() or not _source_files(code_dir):
        raise ConfigurationError(f"code must be a folder containing the handler source; {str(code_dir)!r} is not")
    asset_hash = content_hash(code_dir)
    staged = Path(tempfile.gettempdir()) / "cdktf-lambda-code" / asset_hash
    if not staged.is_dir():
        partial = staged.with_name(f"{asset_hash}.partial-{id}")
        shutil.rmtree(partial, ignore_errors=True)
        for path in _source_files(code_dir):
            target = partial / path.relative_to(code_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        try:
            partial.rename(staged)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            if not staged.is_dir():
                raise
    return TerraformAsset(scope, id, path=str(staged), type=AssetType.ARCHIVE, asset_hash=asset_hash)
