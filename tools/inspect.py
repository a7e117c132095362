"""Inspect and verify the synthesized Terraform JSON: ``lambda-local inspect`` under its project name.

    .venv/bin/python -m tools.inspect [cdktf.out] [--json] [--diagram docs/wiring.md]

The verifier is ``local_runtime.verifier`` (what it checks: its docstring); this keeps the command,
its arguments, output and exit codes (0 clean, 1 problems, 2 a malformed file) for scripts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from local_runtime import cli
from local_runtime.verifier import Report, check, diagram_markdown, mermaid, render

__all__ = ["GENERATED_BY", "Report", "check", "diagram_markdown", "main", "mermaid", "render"]
# What docs/wiring.md says made it (`make inspect`).
GENERATED_BY = "python -m tools.inspect --diagram docs/wiring.md"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.inspect", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="cdktf.out", help="synthesized output, or one stack's folder")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--diagram", type=Path, help="write the Mermaid diagrams to this Markdown file")
    args = parser.parse_args(argv)
    args.command = "inspect"
    args.generated_by = GENERATED_BY if args.diagram == Path("docs/wiring.md") else None
    return cli.execute(args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
