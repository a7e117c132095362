"""The stacks of a synthesized app, as its ``manifest.json`` names them (standard library only).

cdktf writes ``<outdir>/manifest.json`` on every synth, with one entry per stack of the app: the
tools take the stacks from there instead of keeping a list of their own, so a stack a user adds to
``main.py`` needs no change in ``tools/``.
"""

from __future__ import annotations

import json
from pathlib import Path


class ManifestError(Exception):
    """The synthesized output has no readable manifest; the message names the file."""


def synthesized_stacks(outdir: Path | str) -> list[str]:
    """The names of the stacks in ``outdir``'s manifest, sorted."""
    path = Path(outdir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except OSError:
        raise ManifestError(f"{path} does not exist: synthesize first (make synth, or ./cdktf synth)") from None
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    stacks = manifest.get("stacks") if isinstance(manifest, dict) else None
    if not isinstance(stacks, dict):
        raise ManifestError(f'{path} names no stacks (no "stacks" object)')
    return sorted(stacks)
