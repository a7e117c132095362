"""Who makes an AWS call from a handler, and the answer IAM gives a call its role does not allow."""

from __future__ import annotations

import time
from dataclasses import dataclass

from local_runtime.chain import Chain
from local_runtime.errors import AwsError
from local_runtime.iam import allows, denial
from local_runtime.model.records import Function, StackModel


@dataclass(frozen=True)
class Caller:
    """The function whose handler is running, its chain, and when it started (virtual and real time)."""

    function: Function
    chain: Chain
    started_at: float = 0.0
    started_real: float = 0.0

    def now(self) -> float:
        """Now on the virtual clock: the handler's start plus the real time it has run."""
        return self.started_at + (time.perf_counter() - self.started_real)


def require(model: StackModel, caller: Caller, action: str, resource: str, code: str, status: int = 403) -> None:
    """Raise the service's access-denied error (``code``) unless the caller's role allows the access."""
    if not allows(caller.function.role, action, resource):
        raise AwsError(
            code, denial(caller.function.role, action, resource, caller.function.name, model.account), status
        )
