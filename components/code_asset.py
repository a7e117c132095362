"""Lambda code packaging: a folder becomes a reproducible zip, handed to cdktf as a finished file.

The archive is a function of the packaged files' relative paths and bytes only, so every checkout,
machine and Python version builds the same bytes and ``source_code_hash`` changes only when code
does. Each entry is written the same way whatever the file system says: entries sorted by their
POSIX path, the zip epoch (1980-01-01 00:00) as timestamp, mode ``0644``, "made by" Unix, no extra
fields. Entries are stored, not deflated: deflate's output depends on the zlib build (zlib-ng, as on
newer Fedora, or Apple's zlib compress the same bytes differently), which would make the archive
machine-specific again. For handler source this costs a few kilobytes.

Skipped, as caches and compiled files left behind by local runs and tests: ``__pycache__`` and
``.pytest_cache`` folders, ``*.pyc`` and ``*.pyo`` files.

Archives are cached by content hash in ``$LAMBDA_ARCHIVE_CACHE`` [``$XDG_CACHE_HOME`` or
``~/.cache``, then ``lambda-async-cdktf/archives``], outside the project. cdktf receives the
finished ``archive.zip`` as a ``FILE`` asset and copies it to ``assets/<id>/<hash>/archive.zip``
under the stack, the layout of its own ``ARCHIVE`` assets, without spawning a Node.js archiver. The
function's ``source_code_hash`` is the archive's base64 SHA-256 as a literal, computed here: the
JSON shows the code hash Lambda will report, and Terraform need not read the file to plan.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from components.errors import ConfigurationError

ARCHIVE_NAME = "archive.zip"
CACHE_ENV = "LAMBDA_ARCHIVE_CACHE"
# Part of the content hash: bump it when the bytes written for the same sources change.
ARCHIVE_FORMAT = b"lambda-zip/1"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
ENTRY_MODE = 0o100644  # regular file, rw-r--r--: readable by the Lambda runtime's user
UNIX = 3

_SKIPPED_DIRS = {"__pycache__", ".pytest_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def source_files(code_dir: Path) -> list[tuple[str, Path]]:
    """``(relative POSIX path, file)`` of every packaged file, sorted by that path."""
    files = []
    for path in code_dir.rglob("*"):
        relative = path.relative_to(code_dir)
        if path.is_file() and not _SKIPPED_DIRS.intersection(relative.parts) and path.suffix not in _SKIPPED_SUFFIXES:
            files.append((relative.as_posix(), path))
    return sorted(files)


def content_hash(files: list[tuple[str, bytes]]) -> str:
    """SHA-256 over the archive format and every ``(relative path, bytes)`` pair, in order."""
    digest = hashlib.sha256(ARCHIVE_FORMAT + b"\0")
    for name, data in files:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def archive_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """The zip of ``files`` (sorted ``(relative path, bytes)`` pairs), the same bytes on every machine."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            entry = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            entry.create_system = UNIX
            entry.external_attr = ENTRY_MODE << 16
            entry.compress_type = zipfile.ZIP_STORED
            archive.writestr(entry, data)
    return buffer.getvalue()


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lambda-async-cdktf" / "archives"


@dataclass(frozen=True)
class CodeArchive:
    """A packaged folder: the cached ``archive.zip``, the hash of its sources, and Lambda's code hash."""

    path: Path
    content_hash: str
    source_code_hash: str  # base64 SHA-256 of the zip, what Lambda reports as CodeSha256


def build_archive(code_dir: Path) -> CodeArchive:
    """Package ``code_dir`` into the cache (or find it there)."""
    files = [(name, path.read_bytes()) for name, path in source_files(code_dir)]
    digest = content_hash(files)
    archive = cache_dir() / digest / ARCHIVE_NAME
    if archive.is_file():
        data = archive.read_bytes()
    else:
        data = archive_bytes(files)
        archive.parent.mkdir(parents=True, exist_ok=True)
        # Written under a private name and renamed: a reader never sees a partial archive.
        partial = archive.with_name(f"{ARCHIVE_NAME}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, archive)
    return CodeArchive(archive, digest, base64.b64encode(hashlib.sha256(data).digest()).decode())


def code_asset(scope: Construct, id: str, code_dir: Path) -> tuple[TerraformAsset, CodeArchive]:
    """Package ``code_dir`` (an absolute folder) as the zip archive asset ``id``."""
    code_dir = Path(code_dir)
    if not code_dir.is_absolute():
        raise ConfigurationError(
            f"code must be an absolute folder path (build it from Path(__file__)); got {str(code_dir)!r}"
        )
    if not code_dir.is_dir() or not source_files(code_dir):
        raise ConfigurationError(f"code must be a folder containing the handler source; {str(code_dir)!r} is not")
    archive = build_archive(code_dir)
    asset = TerraformAsset(scope, id, path=str(archive.path), type=AssetType.FILE, asset_hash=archive.content_hash)
    return asset, archive
