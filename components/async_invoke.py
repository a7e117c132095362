"""``aws_lambda_function_event_invoke_config``: what Lambda does with an asynchronous result.

Validated at synth time, before any resource is added: ``max_event_age`` 60–21600 seconds,
``retry_attempts`` 0–2, each destination a ``Destination`` fit for its outcome (an S3 bucket takes
failure records only), and no loop: following on-success/on-failure function destinations
(response-only rules included) from this function and qualifier must not lead back to it. The
qualifier is ``$LATEST`` (``Function.configure_async_invoke``) or an alias the stack creates
(``Alias.configure_async_invoke``): never a free string that could name nothing.

Destinations are bound with this construct as their scope and grant the function what they need;
the configuration depends on the function's role policy, because AWS rejects a destination the role
cannot yet reach (and on the alias, when it configures one).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure,
    LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
)
from constructs import Construct

from components.destinations.base import Destination, DestinationKind, require_destination
from components.errors import ConfigurationError, require_int_in_range
from components.naming import construct_id

if TYPE_CHECKING:
    from components.function import Function

LATEST = "$LATEST"
# The functions and aliases configure_async_invoke has configured: kept here, not asked of the kernel.
_CONFIGURED: weakref.WeakSet[Construct] = weakref.WeakSet()


def validate_async_invoke_options(*, max_event_age: int | None, retry_attempts: int | None) -> None:
    if max_event_age is not None:
        require_int_in_range("max_event_age", max_event_age, 60, 21600, "seconds")
    if retry_attempts is not None:
        require_int_in_range("retry_attempts", retry_attempts, 0, 2)


def _loop_through(function: Function, qualifier: str, outcome: str, destination: Destination) -> list[str] | None:
    """The path back to ``(function, qualifier)`` that this new destination would close, if any."""
    start = destination.target_function
    if start is None:
        return None

    def name(fn: Function, fn_qualifier: str) -> str:
        return construct_id(fn) if fn_qualifier == LATEST else f"{construct_id(fn)}:{fn_qualifier}"

    pending = [(start, [name(function, qualifier), f"--{outcome}-->", name(*start)])]
    seen: set[tuple[int, str]] = set()
    while pending:
        (node, node_qualifier), path = pending.pop()
        if node is function and node_qualifier == qualifier:
            return path
        if (id(node), node_qualifier) in seen:
            continue
        seen.add((id(node), node_qualifier))
        for next_outcome, target in node.destination_edges.get(node_qualifier, []):
            pending.append((target, path + [f"--{next_outcome}-->", name(*target)]))
    return None


class EventInvokeConfig(Construct):
    """The asynchronous invoke configuration of one function or alias (child id ``Resource``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: Function,
        qualifier: str = LATEST,
        on_success: Destination | None = None,
        on_failure: Destination | None = None,
        max_event_age: int | None = None,
        retry_attempts: int | None = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        validate_async_invoke_options(max_event_age=max_event_age, retry_attempts=retry_attempts)
        destinations = {
            kind: require_destination(value, kind)
            for kind, value in ((DestinationKind.SUCCESS, on_success), (DestinationKind.FAILURE, on_failure))
        }
        for kind, destination in destinations.items():
            if destination is None:
                continue
            destination.validate(kind)
            loop = _loop_through(function, qualifier, kind.parameter, destination)
            if loop:
                raise ConfigurationError(
                    f"{kind.parameter} would make a loop: {' '.join(loop)}. Every result would start the chain "
                    "again (AWS stops it after about 16 invocations, or never with recursive_loop Allow); for "
                    "bounded self-invocation use SelfInvokingFunction"
                )
        super().__init__(scope, id)
        self.qualifier = qualifier
        arns = {
            kind: d.bind(self, function, kind, qualifier=qualifier) for kind, d in destinations.items() if d is not None
        }
        for kind, destination in destinations.items():
            target = destination.target_function if destination is not None else None
            if target is not None:
                function.destination_edges.setdefault(qualifier, []).append((kind.parameter, target))
        destination_config = None
        if arns:
            success, failure = arns.get(DestinationKind.SUCCESS), arns.get(DestinationKind.FAILURE)
            destination_config = LambdaFunctionEventInvokeConfigDestinationConfig(
                on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=success)
                if success
                else None,
                on_failure=LambdaFunctionEventInvokeConfigDestinationConfigOnFailure(destination=failure)
                if failure
                else None,
            )
        self.resource = LambdaFunctionEventInvokeConfig(
            self,
            "Resource",
            function_name=function.name,
            qualifier=qualifier,
            maximum_event_age_in_seconds=max_event_age,
            maximum_retry_attempts=retry_attempts,
            destination_config=destination_config,
            depends_on=[function.role_policy, *depends_on],
        )


def configure_async_invoke(
    owner: Construct, what: str, *, function: Function, qualifier: str, depends_on: Sequence[Any] = (), **options: Any
) -> EventInvokeConfig:
    """The one ``EventInvokeConfig`` of a function or alias (child id ``EventInvokeConfig``)."""
    if owner in _CONFIGURED:
        raise ConfigurationError(
            f"configure_async_invoke was already called on {what} {owner.node.path!r}; "
            f"a {what} has one asynchronous invoke configuration: pass all options in one call"
        )
    config = EventInvokeConfig(
        owner, "EventInvokeConfig", function=function, qualifier=qualifier, depends_on=depends_on, **options
    )
    _CONFIGURED.add(owner)
    return config
