"""Code archives: the same bytes for the same sources, whatever the checkout, clock or umask."""

import base64
import hashlib
import json
import os
import zipfile

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from components import ConfigurationError, Function
from components.code_asset import ARCHIVE_NAME, CACHE_ENV, build_archive, code_asset
from tests.support import FUNCTIONS_DIR, new_stack, resources, synth


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test packages into its own cache, so no archive comes from another test or a previous run."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))


def copy_with(source, target, *, mtime, file_mode, reverse_order=False):
    """Copy ``source`` to ``target`` file by file, in the given order, with one mtime and mode for all."""
    files = sorted((p for p in source.rglob("*") if p.is_file()), reverse=reverse_order)
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())
        os.chmod(destination, file_mode)
        os.utime(destination, (mtime, mtime))
    return target


def test_copies_with_other_mtimes_permissions_and_file_order_archive_to_the_same_bytes(tmp_path, monkeypatch):
    # GIVEN the long_job folder copied twice: other mtimes (1999 vs 2031), modes and creation order
    a = copy_with(FUNCTIONS_DIR / "long_job", tmp_path / "checkout-a" / "long_job", mtime=915148800, file_mode=0o600)
    b = copy_with(
        FUNCTIONS_DIR / "long_job", tmp_path / "b" / "long_job", mtime=1924992000, file_mode=0o775, reverse_order=True
    )
    # WHEN each is packaged into its own cache
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache-a"))
    archive_a = build_archive(a)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache-b"))
    archive_b = build_archive(b)
    # THEN both archives have the same hashes and the same bytes, in different caches
    assert archive_a.path != archive_b.path
    assert (archive_a.content_hash, archive_a.source_code_hash) == (archive_b.content_hash, archive_b.source_code_hash)
    assert archive_a.path.read_bytes() == archive_b.path.read_bytes()


def test_every_entry_is_stored_sorted_with_the_zip_epoch_and_mode_0644(tmp_path):
    # GIVEN a folder with a nested module, a cache folder and compiled files from a local run
    code = tmp_path / "code"
    (code / "pkg" / "__pycache__").mkdir(parents=True)
    (code / "index.py").write_text("from pkg import util\n")
    (code / "pkg" / "util.py").write_text("VALUE = 1\n")
    (code / "pkg" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"\0compiled")
    (code / "stale.pyc").write_bytes(b"\0compiled")
    (code / ".pytest_cache").mkdir()
    (code / ".pytest_cache" / "README.md").write_text("cache\n")
    # WHEN it is packaged
    archive = build_archive(code)
    # THEN only the sources are in it, in path order, each with fixed metadata and uncompressed
    with zipfile.ZipFile(archive.path) as zipped:
        entries = zipped.infolist()
        assert [e.filename for e in entries] == ["index.py", "pkg/util.py"]
        assert {(e.date_time, e.external_attr >> 16, e.create_system, e.compress_type, e.extra) for e in entries} == {
            ((1980, 1, 1, 0, 0, 0), 0o100644, 3, zipfile.ZIP_STORED, b"")
        }
        assert zipped.read("pkg/util.py") == b"VALUE = 1\n"


def test_one_changed_byte_changes_the_hash_and_the_archive(tmp_path):
    # GIVEN two copies of the first handler that differ in one byte
    a = copy_with(FUNCTIONS_DIR / "first", tmp_path / "a", mtime=1e9, file_mode=0o644)
    b = copy_with(FUNCTIONS_DIR / "first", tmp_path / "b", mtime=1e9, file_mode=0o644)
    source = (b / "index.py").read_bytes()
    (b / "index.py").write_bytes(source.replace(b"MAX_NUMBERS = 10_000", b"MAX_NUMBERS = 10_001"))
    # WHEN both are packaged
    archive_a, archive_b = build_archive(a), build_archive(b)
    # THEN hashes and bytes differ
    assert archive_a.content_hash != archive_b.content_hash
    assert archive_a.source_code_hash != archive_b.source_code_hash
    assert archive_a.path.read_bytes() != archive_b.path.read_bytes()


def test_a_cached_archive_is_reused_without_packaging_again(tmp_path, monkeypatch):
    # GIVEN a folder packaged once
    first = build_archive(FUNCTIONS_DIR / "second")
    # WHEN it is packaged again, with packaging made to fail
    monkeypatch.setattr("components.code_asset.archive_bytes", lambda files: pytest.fail("packaged twice"))
    again = build_archive(FUNCTIONS_DIR / "second")
    # THEN the cached archive is returned, from the configured cache folder, named archive.zip
    assert again == first
    assert again.path.parent.parent == tmp_path / "cache" and again.path.name == ARCHIVE_NAME


def test_the_source_code_hash_is_the_sha256_of_the_archive_cdktf_writes_under_the_stack(tmp_path):
    # GIVEN an app with one function, synthesized to a folder
    app = App(outdir=str(tmp_path / "out"))
    stack = TerraformStack(app, "one")
    AwsProvider(stack, "aws", region="us-east-1")
    Function(stack, "First", code=FUNCTIONS_DIR / "first")
    app.synth()
    stack_dir = tmp_path / "out" / "stacks" / "one"
    (function,) = resources(json.loads((stack_dir / "cdk.tf.json").read_text()), "aws_lambda_function").values()
    # WHEN the archive the JSON points at is hashed
    archive = (stack_dir / function["filename"]).read_bytes()
    # THEN it lies under assets/ of the stack and source_code_hash is its base64 SHA-256, as a literal
    assert function["filename"].startswith("assets/First_Code_") and function["filename"].endswith("/archive.zip")
    assert function["source_code_hash"] == base64.b64encode(hashlib.sha256(archive).digest()).decode()


def test_functions_from_copies_with_other_mtimes_synthesize_identical_terraform(tmp_path, monkeypatch):
    # GIVEN the same two handlers in two checkouts with other mtimes and modes
    checkouts = [
        copy_with(FUNCTIONS_DIR, tmp_path / "a" / "functions", mtime=915148800, file_mode=0o600),
        copy_with(FUNCTIONS_DIR, tmp_path / "b" / "functions", mtime=1924992000, file_mode=0o755, reverse_order=True),
    ]
    # WHEN a stack of First and Second is synthesized from each, packaged into its own cache (as on two
    # machines: a shared cache would hand the second checkout the first one's archives)
    outputs = []
    for index, functions in enumerate(checkouts):
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / f"cache-{index}"))
        stack = new_stack("pair")
        Function(stack, "First", code=functions / "first")
        Function(stack, "Second", code=functions / "second")
        outputs.append(synth(stack))
    # THEN the Terraform JSON is identical, down to the archive paths and their hashes
    assert outputs[0] == outputs[1]
    assert sorted(f["filename"] for f in resources(outputs[0], "aws_lambda_function").values())[0].startswith("assets/")


def test_changing_one_function_changes_only_that_functions_archive(tmp_path):
    # GIVEN two checkouts where only second/index.py differs, by one byte
    a = copy_with(FUNCTIONS_DIR, tmp_path / "a", mtime=1e9, file_mode=0o644)
    b = copy_with(FUNCTIONS_DIR, tmp_path / "b", mtime=1e9, file_mode=0o644)
    (b / "second" / "index.py").write_bytes((b / "second" / "index.py").read_bytes() + b"\n")

    def filenames(functions):
        stack = new_stack("pair")
        Function(stack, "First", code=functions / "first")
        Function(stack, "Second", code=functions / "second")
        return {f["function_name"]: f["filename"] for f in resources(synth(stack), "aws_lambda_function").values()}

    # WHEN both are synthesized
    before, after = filenames(a), filenames(b)
    # THEN First's archive path (and so its hash) is unchanged and Second's is new
    assert before["pair-First"] == after["pair-First"]
    assert before["pair-Second"] != after["pair-Second"]


def test_a_folder_without_source_files_is_refused(tmp_path):
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    with pytest.raises(ConfigurationError, match="code must be a folder containing the handler source"):
        code_asset(new_stack(), "Code", tmp_path)
