"""project.env for Python started directly (``.venv/bin/python main.py``): what make and ./cdktf set.

``project.env`` is the one place for the variables that keep jsii and the CLIs quiet and offline-safe:
the Makefile includes it and ./cdktf sources it (tools/project-env.sh). A Python entry point started
on its own reads it here, before the jsii kernel starts (it prints Node 20's end-of-life banner at
start otherwise). A variable already in the environment is kept: the caller's word wins. Standard
library only, and nothing of cdktf: importing this must not start the kernel.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

PROJECT_ENV = Path(__file__).resolve().parent.parent / "project.env"
# The one form project.env uses, which make and sh read alike: export NAME=value, no quotes or expansions.
_EXPORT = re.compile(r"^export ([A-Za-z_][A-Za-z0-9_]*)=([^\s'\"$`\\]*)$")


def read_project_env(path: Path = PROJECT_ENV) -> dict[str, str]:
    """The variables ``path`` exports; ValueError naming the line for any other statement."""
    variables = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _EXPORT.match(stripped)
        if match is None:
            raise ValueError(
                f"{path}:{number}: only `export NAME=value` lines (a plain value, no quotes or $) are read "
                f"by tools/project_env.py; got {stripped!r}"
            )
        variables[match.group(1)] = match.group(2)
    return variables


def apply_project_env(environ: MutableMapping[str, str] = os.environ, path: Path = PROJECT_ENV) -> None:
    """Set in ``environ`` each variable of project.env it does not have yet."""
    for name, value in read_project_env(path).items():
        environ.setdefault(name, value)
