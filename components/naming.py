"""Physical names for AWS resources, derived from the stack and the construct path.

A stack may set the context key ``NAME_PREFIX_CONTEXT_KEY`` (for example ``"lambda-async-dev"``)
before adding children; names then read ``<prefix>-<stack id>-<construct path>-<suffix>``.
"""

from __future__ import annotations

import re

from cdktf import TerraformStack
from constructs import Construct

from components.errors import ConfigurationError

NAME_PREFIX_CONTEXT_KEY = "namePrefix"
_ALLOWED = re.compile(r"^[A-Za-z0-9_-]+$")


def physical_name(scope: Construct, *suffix: str, max_length: int, what: str) -> str:
    """Join prefix, stack id, the construct ids below the stack and ``suffix`` with dashes.

    Raises ConfigurationError when the name is longer than ``max_length`` or uses characters
    AWS names do not accept.
    """
    # Every node property is a round-trip to the jsii kernel: read two paths rather than walk scopes.
    node = scope.node
    path = node.path.split("/")
    stack_depth = len(TerraformStack.of(scope).node.path.split("/"))
    prefix = node.try_get_context(NAME_PREFIX_CONTEXT_KEY)
    parts = ([prefix] if prefix else []) + path[stack_depth - 1 :] + list(suffix)
    name = "-".join(parts)
    if not _ALLOWED.match(name):
        raise ConfigurationError(
            f"{what} {name!r} may only contain letters, digits, '-' and '_'; "
            "rename the construct id or the stack"
        )
    if len(name) > max_length:
        raise ConfigurationError(
            f"{what} {name!r} is {len(name)} characters long; AWS allows at most {max_length}. "
            f"Shorten the construct id {path[-1]!r}, the stack id {path[stack_depth - 1]!r} "
            "or the name prefix"
        )
    return name
