"""The jsii bindings' argument checks, made cheaper without dropping any.

Every generated constructor and method of ``cdktf``, ``constructs`` and the AWS provider starts with
``typing.get_type_hints(_typecheckingstub__<hash>)`` and then checks each argument and struct field
against those hints with ``typeguard.check_type``. Building one First/Second pair made ~1,100 such
checks, four in five of them of a ``None`` (an option left out) against an ``Optional[...]``, which
typeguard 2 answers by trying every other member of the union first and catching the ``TypeError``
each one raises. With ``get_type_hints``, which re-evaluates every annotation of the stub on each
call, these were the largest Python items in a profile of building 64 pairs, after the waits for
the kernel (docs/performance.md).

``install()`` changes two things, neither of them an outcome:
- ``typing.get_type_hints`` remembers the hints of the stubs (module-level functions named
  ``_typecheckingstub__…``, whose annotations never change once their module is imported) when
  called with the default arguments; any other call goes through unchanged;
- ``typeguard.check_type`` (typeguard 2, which the lock file pins) accepts a ``None`` at once where
  the expected type is ``Any``, ``None`` or a union with ``None`` in it, which is what typeguard
  itself concludes; every other value is checked by typeguard as before, so a wrong argument is
  refused with typeguard's own message.
"""

from __future__ import annotations

import typing
from importlib.metadata import version
from typing import Any

import typeguard

STUB_PREFIX = "_typecheckingstub__"
NONE_TYPE = type(None)
_resolve = typing.get_type_hints
_check = typeguard.check_type
_hints: dict[Any, dict[str, Any]] = {}
_takes_none: dict[Any, bool] = {}


def _get_type_hints(
    obj: Any,
    globalns: dict[str, Any] | None = None,
    localns: dict[str, Any] | None = None,
    include_extras: bool = False,
) -> dict[str, Any]:
    if globalns is None and localns is None and not include_extras:
        name = getattr(obj, "__name__", None)
        if isinstance(name, str) and name.startswith(STUB_PREFIX):
            hints = _hints.get(obj)
            if hints is None:
                hints = _hints[obj] = _resolve(obj)
            return hints
    return _resolve(obj, globalns, localns, include_extras)


def takes_none(expected_type: Any) -> bool:
    """Whether typeguard 2 accepts ``None`` for ``expected_type`` whatever else is in it."""
    if expected_type is Any or expected_type is None or expected_type is NONE_TYPE:
        return True
    return typing.get_origin(expected_type) is typing.Union and NONE_TYPE in typing.get_args(expected_type)


def _check_type(argname: str, value: Any, expected_type: Any, memo: Any = None) -> None:
    if value is None:
        try:
            accepted = _takes_none[expected_type]
        except KeyError:
            accepted = _takes_none[expected_type] = takes_none(expected_type)
        except TypeError:  # an unhashable annotation: ask typeguard
            accepted = False
        if accepted:
            return
    _check(argname, value, expected_type, memo)


def install() -> None:
    """Apply both changes from now on; harmless if already installed."""
    typing.get_type_hints = _get_type_hints  # type: ignore[assignment]
    if version("typeguard").split(".")[0] == "2":
        typeguard.check_type = _check_type  # type: ignore[assignment]
