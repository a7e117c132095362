"""The errors of the local runtime: each message is one line a user can act on."""


class StackFileError(ValueError):
    """A file is not a synthesized stack (missing, not JSON, not an object of resource types)."""


class EngineError(RuntimeError):
    """The stack cannot be run locally (a missing archive, an unknown function); the message says why."""


class AwsError(Exception):
    """An AWS error response (``code``, ``message``, HTTP ``status``) for a call a handler made.

    The Python runtime raises it in the handler as botocore's ClientError; the endpoint other
    runtimes' SDKs reach answers it in the service's own error format.
    """

    def __init__(self, code: str, message: str, status: int = 400, fields: dict[str, str] | None = None) -> None:
        """``fields``: members of the error's shape beyond its message (Lambda's ``Reason``)."""
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, fields or {}
