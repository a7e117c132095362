"""A function's code archive, checked as Lambda checks it at deploy and unpacked like ``/var/task``.

Lambda takes a zip file when the function is created; a file that is missing, is not a zip or
holds paths that leave the folder fails the deploy (``InvalidParameterValueException``), so the
engine refuses such a stack before anything runs, in one line naming the function and the file.
``source_code_hash`` is Terraform's change trigger, not something Lambda checks: it is not read here.
The archive is read where Terraform reads it (the model records where that is: ``filename`` from the
stack's folder or absolute, an ``aws_s3_object``'s ``source``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from local_runtime.errors import EngineError
from local_runtime.model.records import Function


def check(function: Function) -> bytes:
    """The archive's bytes, or EngineError saying why Lambda would not accept it."""
    code = function.code
    if code.package_type == "Image":
        raise EngineError(
            f"function {function.path} is a container image ({code.location}): the local runtime runs zip archives"
        )
    if code.location is not None:
        raise EngineError(
            f"function {function.path} takes its code from {code.location}, which no aws_s3_object of the stack "
            "uploads from a local source: the local runtime runs local zip archives"
        )
    if code.problem is not None or code.archive is None:
        raise EngineError(f"function {function.path}: its code archive cannot be used: {code.problem}")
    try:
        data = code.archive.read_bytes()
    except OSError as error:
        raise EngineError(
            f"function {function.path}: its code archive {code.filename} cannot be read ({error.strerror}): "
            "synthesize the stack again"
        ) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            for name in zipped.namelist():
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts:
                    raise EngineError(
                        f"function {function.path}: its code archive {code.filename} has an entry outside "
                        f"the code folder ({name}); Lambda refuses it"
                    )
    except zipfile.BadZipFile:
        raise EngineError(
            f"function {function.path}: its code archive {code.filename} is not a zip file; Lambda refuses it"
        ) from None
    return data


def unpack(data: bytes, target: Path) -> Path:
    """The archive's files under ``target`` (checked by ``check``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        zipped.extractall(target)
    return target
