"""Make the corpus of stacks the local runtime did not write: synthesized by their own apps.

    .venv/bin/python -m tests.corpus.make terraconstructs [--outdir DIR]
    .venv/bin/python -m tests.corpus.make provider-classes --outdir DIR

- ``terraconstructs``: the TypeScript app in ``tests/corpus/terraconstructs`` (cdktf 0.20 and the npm
  package ``terraconstructs``, locked by its ``package-lock.json``): ``npm ci``, ``tsc``, then
  ``node build/main.js``, which bundles each ``NodejsFunction`` with esbuild and synthesizes. Its
  output is committed under ``tests/corpus/terraconstructs/synthesized`` (the default ``--outdir``),
  so the tests need neither npm nor its 400 MB; a slow test makes it again and compares.
- ``provider-classes``: the Python stacks of ``tests/corpus/provider_classes`` (the AWS provider
  classes alone), synthesized in-process; fast, so the tests make them into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
TERRACONSTRUCTS = CORPUS / "terraconstructs"
COMMITTED = TERRACONSTRUCTS / "synthesized"


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed in {cwd} (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )


def synthesize_terraconstructs(outdir: Path) -> Path:
    """Install the app's locked packages (once), compile it and synthesize it into ``outdir``."""
    installed = TERRACONSTRUCTS / "node_modules" / ".package-lock.json"
    lock = TERRACONSTRUCTS / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], TERRACONSTRUCTS)
    _run([str(TERRACONSTRUCTS / "node_modules" / ".bin" / "tsc"), "-p", "."], TERRACONSTRUCTS)
    # NodejsFunction bundles into handlers/dist and archives that whole folder: start it empty, so
    # each archive holds what this synth put there, as on a fresh checkout.
    shutil.rmtree(TERRACONSTRUCTS / "handlers" / "dist", ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "out"
        env = {**os.environ, "CORPUS_OUTDIR": str(target), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
        _run(["node", str(TERRACONSTRUCTS / "build" / "main.js")], TERRACONSTRUCTS, env)
        shutil.rmtree(outdir, ignore_errors=True)
        shutil.copytree(target, outdir)
    return outdir


def synthesize_provider_classes(outdir: Path) -> Path:
    """The provider-class stacks, synthesized in this process into ``outdir``."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from components import provider_imports

    provider_imports.install()  # before cdktf: only the provider submodules in use are loaded

    from cdktf import App

    from tests.corpus.provider_classes import build

    app = App(outdir=str(outdir))
    build(app)
    app.synth()
    return outdir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.make", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", choices=("terraconstructs", "provider-classes"))
    parser.add_argument("--outdir", type=Path, help=f"where to write it [terraconstructs: {COMMITTED}]")
    args = parser.parse_args(argv)
    if args.corpus == "terraconstructs":
        print(synthesize_terraconstructs(args.outdir or COMMITTED))
    elif args.outdir is None:
        parser.error("provider-classes needs --outdir")
    else:
        print(synthesize_provider_classes(args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
