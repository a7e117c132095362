"""tests/corpus/make.py makes the committed TerraConstructs corpus: synthesized again, it is the same."""

import zipfile

import pytest

from tests.corpus.make import COMMITTED, synthesize_terraconstructs


def archive_files(path):
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


@pytest.mark.slow  # npm ci (first time), tsc and the app's own synth: 30-60 s
def test_the_terraconstructs_app_synthesizes_the_committed_corpus(tmp_path):
    # GIVEN the app, its lock file and its handlers WHEN synthesized again by the script
    fresh = synthesize_terraconstructs(tmp_path / "out")
    # THEN every stack's JSON and the manifest are byte for byte the committed ones, and each archive
    # holds the same files (zip bytes carry the build's timestamps, so they are compared by content)
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    assert sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()) == committed
    for relative in committed:
        if relative.suffix == ".zip":
            assert archive_files(fresh / relative) == archive_files(COMMITTED / relative), relative
        else:
            assert (fresh / relative).read_bytes() == (COMMITTED / relative).read_bytes(), relative
