"""Whether a stack's code archives still hold their sources: the engine runs what was synthesized, so a
handler edited since ``cdktf synth`` runs as it was. The commands warn before a run.

A function's source folder is found by what its archive holds: a folder of the project holding
every file of the archive (``__pycache__``, dependencies and hidden folders aside). If one holds the
same bytes, the archive is current. Otherwise the closest such folder (the most files the same,
then the most alike in content, then the fewest files besides) whose differing files were changed
after the archive was written is named in the warning. An archive no folder of the project
resembles (built elsewhere) says nothing.
"""

from __future__ import annotations

import difflib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from local_runtime.model.records import Function, StackModel

# Folders never searched for sources: what tools and package managers write.
_SKIPPED = {"node_modules", "cdktf.out", "__pycache__", "venv", "site-packages", "dist-packages"}
# How alike (0 to 1) a folder's files must be to the archive's, when none is the same, for
# the folder to be taken for the archive's source.
RESEMBLANCE = 0.8
# Files that are not code an archive is built from.
_IGNORED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Stale:
    function: str
    folder: Path
    changed: tuple[str, ...]  # the archive's files the folder now holds otherwise, or holds besides

    def warning(self, root: Path) -> str:
        where = self.folder.relative_to(root) if self.folder.is_relative_to(root) else self.folder
        files = ", ".join(self.changed)
        return (
            f"warning: {self.function}: {where}/ changed after its archive was synthesized ({files}); "
            "the run uses the archive: synthesize again (make synth, or cdktf synth) to run the change"
        )


def project_of(stack_file: Path) -> Path | None:
    """The cdktf project a synthesized stack came from: the folder holding ``cdktf.json`` and the
    output (``<project>/cdktf.out/stacks/<stack>/cdk.tf.json``); None for a stack found elsewhere."""
    stack_file = stack_file.resolve()
    outdir = stack_file.parent.parent.parent
    if (
        stack_file.parent.parent.name == "stacks"
        and (outdir / "manifest.json").is_file()
        and (outdir.parent / "cdktf.json").is_file()
    ):
        return outdir.parent
    return None


def stale_functions(stack: StackModel, project: Path) -> list[Stale]:
    """Each function of ``stack`` whose source folder under ``project`` changed after synthesis."""
    folders: dict[Path, set[str]] | None = None
    found = []
    for function in stack.functions.values():
        archive = function.code.archive
        if archive is None or not archive.is_file():
            continue
        entries = _entries(archive)
        if not entries:
            continue
        if folders is None:
            folders = dict(_folders(project))
        stale = _stale(function, entries, archive.stat().st_mtime, folders)
        if stale is not None:
            found.append(stale)
    return found


def _entries(archive: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as zipped:
            return {
                info.filename: zipped.read(info)
                for info in zipped.infolist()
                if not info.is_dir() and not _ignored(info.filename)
            }
    except (OSError, zipfile.BadZipFile):
        return {}  # the engine says why it cannot use it


def _ignored(name: str) -> bool:
    return "__pycache__/" in name or name.endswith(_IGNORED_SUFFIXES)


def _folders(project: Path) -> Iterator[tuple[Path, set[str]]]:
    """Every folder of the project with the files under it (relative paths), skipped folders aside."""
    direct: dict[Path, set[str]] = {}
    for top, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in _SKIPPED and not d.startswith(".")]
        direct[Path(top)] = {name for name in files if not _ignored(name)}
    below: dict[Path, set[str]] = {}
    for folder in sorted(direct, key=lambda f: len(f.parts), reverse=True):  # the deepest first
        below.setdefault(folder, set()).update(direct[folder])
        if folder != project:
            below.setdefault(folder.parent, set()).update(f"{folder.name}/{name}" for name in below[folder])
        yield folder, below[folder]


def _stale(
    function: Function, entries: dict[str, bytes], written: float, folders: dict[Path, set[str]]
) -> Stale | None:
    candidates = []
    for folder, names in folders.items():
        if not set(entries) <= names:
            continue
        differing = tuple(sorted(n for n, data in entries.items() if _read(folder / n) != data))
        if not differing and _code(names) == _code(set(entries)):
            return None  # the archive holds this folder as it is
        extra = tuple(sorted(_code(names) - set(entries)))
        alike = sum(_likeness(_read(folder / name), entries[name]) for name in differing)
        candidates.append((len(entries) - len(differing), alike, -len(extra), folder, differing + extra))
    if not candidates:
        return None
    same, alike, _, folder, changed = max(candidates, key=lambda c: c[:3])
    if not same and alike < RESEMBLANCE * len(changed):
        return None  # only the file names in common: the source is not in the project
    if not changed or all((folder / name).stat().st_mtime <= written for name in changed):
        return None  # older than the archive: not what was synthesized from it
    return Stale(function.path, folder, changed)


def _code(names: set[str]) -> set[str]:
    """The names that are code a handler loads (an archive holds them; a folder may hold other files)."""
    return {n for n in names if n.endswith((".py", ".js", ".mjs", ".cjs"))}


def _likeness(now: bytes | None, then: bytes) -> float:
    """How much of a file is as it was (0 to 1): an edited handler is still mostly itself. Compared by
    characters, or by lines for files past 64 KiB (a bundle), where characters would take too long."""
    now = now or b""
    if max(len(now), len(then)) > 64 * 1024:
        return difflib.SequenceMatcher(None, now.splitlines(), then.splitlines(), autojunk=False).ratio()
    return difflib.SequenceMatcher(None, now, then, autojunk=False).ratio()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
