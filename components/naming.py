"""Physical names for AWS resources, derived from the stack and the construct path.

A stack may set the context key ``NAME_PREFIX_CONTEXT_KEY`` (for example ``"lambda-async-dev"``)
before adding children; names then read ``<prefix>-<stack id>-<construct path>-<suffix>``.

Constructs that name resources derive from ``NamedConstruct``: it knows its parts from its scope's
and its own id, so naming a function costs no jsii kernel round-trip beyond the first per scope.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from cdktf import TerraformStack
from constructs import Construct

from components.errors import ConfigurationError

NAME_PREFIX_CONTEXT_KEY = "namePrefix"
_ALLOWED = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class _NameParts:
    prefix_and_path: tuple[str, ...]  # name prefix (if any), stack id, construct ids below the stack
    construct_id: str
    stack_id: str


# A construct's path never changes, and context cannot be set once a construct has children: the
# parts of a scope can be read from the jsii kernel once (each node property is a round-trip).
_PARTS: weakref.WeakKeyDictionary[Construct, _NameParts] = weakref.WeakKeyDictionary()


def _name_parts(scope: Construct) -> _NameParts:
    parts = _PARTS.get(scope)
    if parts is None:
        node = scope.node
        path = node.path.split("/")
        below_app = path[len(TerraformStack.of(scope).node.path.split("/")) - 1 :]
        prefix = node.try_get_context(NAME_PREFIX_CONTEXT_KEY)
        parts = _NameParts(tuple(([prefix] if prefix else []) + below_app), path[-1], below_app[0])
        _PARTS[scope] = parts
    return parts


def _child_parts(scope: Construct, id: str) -> _NameParts | None:
    """The parts of a construct just created as ``id`` under ``scope``, if Python alone can tell them.

    The kernel keeps a plain id unchanged (``constructs`` escapes only path separators, as ``--``),
    and a construct without children has no context of its own: it reads its scope's.
    """
    if not _ALLOWED.fullmatch(id):
        return None
    parent = _name_parts(scope)
    return _NameParts(parent.prefix_and_path + (id,), id, parent.stack_id)


class NamedConstruct(Construct):
    """A construct whose physical names and id are known in Python (see the module docstring)."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        parts = _child_parts(scope, id)
        if parts is not None:
            _PARTS[self] = parts


def construct_id(scope: Construct) -> str:
    """``scope.node.id``, from the parts already read when there are any."""
    return _name_parts(scope).construct_id


def physical_name(scope: Construct, *suffix: str, max_length: int, what: str) -> str:
    """Join prefix, stack id, the construct ids below the stack and ``suffix`` with dashes.

    Raises ConfigurationError when the name is longer than ``max_length`` or uses characters
    AWS names do not accept.
    """
    parts = _name_parts(scope)
    name = "-".join(parts.prefix_and_path + suffix)
    if not _ALLOWED.fullmatch(name):
        raise ConfigurationError(
            f"{what} {name!r} may only contain letters, digits, '-' and '_'; rename the construct id or the stack"
        )
    if len(name) > max_length:
        raise ConfigurationError(
            f"{what} {name!r} is {len(name)} characters long; AWS allows at most {max_length}. "
            f"Shorten the construct id {parts.construct_id!r}, the stack id {parts.stack_id!r} "
            "or the name prefix"
        )
    return name
